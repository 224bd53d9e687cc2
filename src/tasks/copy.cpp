#include "tasks/copy.h"

#include "core/error.h"

namespace fl {

namespace {
constexpr int64_t kMaxLength = 100000;  // longest string, for training and for evaluation sizes

std::vector<std::string> copy_vocab(int64_t alphabet) {
  std::vector<std::string> names = {"*", "$", "|", "."};
  for (int64_t i = 0; i < alphabet; ++i) names.push_back(std::string(1, static_cast<char>('a' + i)));
  return names;
}
}  // namespace

CopyTask::CopyTask(int64_t alphabet, int64_t min_len, int64_t max_len)
    : alphabet_(alphabet), min_len_(min_len), max_len_(max_len), vocab_(copy_vocab(alphabet)) {
  require(min_len <= max_len, "task.min_len = " + std::to_string(min_len) + " is larger than task.max_len = " +
                                  std::to_string(max_len));
}

std::vector<ParamSpec> CopyTask::specs() {
  return {
      {"task.vocab", Kind::Int, 26, "alphabet size V: the first V lowercase letters", 2, 26},
      {"task.min_len", Kind::Int, 1, "shortest string to copy", 1, kMaxLength},
      {"task.max_len", Kind::Int, 20, "longest string to copy", 1, kMaxLength},
  };
}

std::unique_ptr<Task> CopyTask::create(const ParamValues& p) {
  return std::make_unique<CopyTask>(p.get_int("task.vocab"), p.get_int("task.min_len"), p.get_int("task.max_len"));
}

std::vector<int64_t> CopyTask::default_eval_sizes() const {
  std::vector<int64_t> sizes;
  for (int64_t n = min_len_; n <= max_len_; ++n) sizes.push_back(n);
  return sizes;
}

Example CopyTask::sample(Rng& rng) const { return sample_at(rng, rng.uniform_int(min_len_, max_len_)); }

// "$ x | x ." with |x| = max_len.
int64_t CopyTask::longest_example() const { return 2 * max_len_ + 3; }

Example CopyTask::sample_at(Rng& rng, int64_t length) const {
  require(length >= 1 && length <= kMaxLength,
          "copy: length " + std::to_string(length) + " is outside 1.." + std::to_string(kMaxLength));
  Example ex;
  ex.size = length;
  ex.tokens.reserve(2 * length + 3);
  ex.tokens.push_back(kBos);
  for (int64_t i = 0; i < length; ++i)
    ex.tokens.push_back(static_cast<int32_t>(kFirstLetter + rng.uniform_int(0, alphabet_ - 1)));
  ex.tokens.push_back(kSep);
  ex.prompt_len = static_cast<int64_t>(ex.tokens.size());  // "$ x |"
  for (int64_t i = 0; i < length; ++i) ex.tokens.push_back(ex.tokens[1 + i]);
  ex.tokens.push_back(kEos);
  ex.loss_mask.assign(ex.tokens.size(), 0);
  for (size_t t = ex.prompt_len; t < ex.tokens.size(); ++t) ex.loss_mask[t] = 1;
  ex.answer_mask = ex.loss_mask;  // the copy is the answer
  return ex;
}

Verdict CopyTask::verify(const Example& example, const std::vector<int32_t>& generated) const {
  // Correct iff the output is exactly the source string followed by "."; the copy is the answer.
  const int64_t n = example.size;
  bool right = static_cast<int64_t>(generated.size()) == n + 1 && generated.back() == kEos;
  for (int64_t i = 0; right && i < n; ++i) right = generated[i] == example.tokens[1 + i];
  return {right, right};
}

std::string CopyTask::describe() const {
  return "copy: '$ x | x .' with x of " + std::to_string(min_len_) + ".." + std::to_string(max_len_) +
         " letters from an alphabet of " + std::to_string(alphabet_) + "; loss on the copy and '.'";
}

}  // namespace fl
