#include "tasks/ngram_lookup.h"

#include <algorithm>

#include "core/error.h"

namespace fl {

namespace {
constexpr int kMaxDraws = 1000;    // draws of x per example before giving up
constexpr int kProbeDraws = 100;   // draws per probed length in the constructor
constexpr int kProbeNeeded = 10;   // successes required among them (≥ 10% success rate)
constexpr int64_t kMaxLength = 100000;  // longest x, for training and for evaluation sizes

std::vector<std::string> letter_vocab(int64_t alphabet) {
  std::vector<std::string> names = {"*", "$", "|", "."};
  for (int64_t i = 0; i < alphabet; ++i) names.push_back(std::string(1, static_cast<char>('a' + i)));
  return names;
}
}  // namespace

NgramLookupTask::NgramLookupTask(bool prefix_form, int64_t alphabet, int64_t min_len, int64_t max_len, int64_t ngram,
                                 int64_t answer_len)
    : prefix_form_(prefix_form),
      alphabet_(alphabet),
      min_len_(min_len),
      max_len_(max_len),
      ngram_(ngram),
      answer_len_(answer_len),
      vocab_(letter_vocab(alphabet)) {
  require(alphabet >= 2 && alphabet <= 26, "task.vocab = " + std::to_string(alphabet) + " must be in 2..26");
  require(ngram >= 1 && ngram <= 12, "task.ngram = " + std::to_string(ngram) + " must be in 1..12");
  require(answer_len >= 1, "task.answer_len = " + std::to_string(answer_len) + " must be at least 1");
  require(min_len <= max_len, "task.min_len = " + std::to_string(min_len) + " is larger than task.max_len = " +
                                  std::to_string(max_len));
  require(min_len >= ngram + answer_len,
          "task.min_len = " + std::to_string(min_len) + " is shorter than task.ngram + task.answer_len = " +
              std::to_string(ngram + answer_len) + " (the n-gram and its continuation must fit in x)");
  check_feasible();
}

std::vector<ParamSpec> NgramLookupTask::specs() {
  return {
      {"task.vocab", Kind::Int, 26, "alphabet size V: the first V lowercase letters", 2, 26},
      {"task.min_len", Kind::Int, 4, "shortest string x (at least task.ngram + task.answer_len)", 1, kMaxLength},
      {"task.max_len", Kind::Int, 20, "longest string x", 1, kMaxLength},
      {"task.ngram", Kind::Int, 3, "length n of the looked-up n-gram g (unique in x)", 1, 12},
      {"task.answer_len", Kind::Int, 1, "letters of x after g to output", 1, 100000},
  };
}

namespace {
std::unique_ptr<Task> make(bool prefix_form, const ParamValues& p) {
  return std::make_unique<NgramLookupTask>(prefix_form, p.get_int("task.vocab"), p.get_int("task.min_len"),
                                           p.get_int("task.max_len"), p.get_int("task.ngram"),
                                           p.get_int("task.answer_len"));
}
}  // namespace

std::unique_ptr<Task> NgramLookupTask::create_prefix(const ParamValues& p) { return make(true, p); }
std::unique_ptr<Task> NgramLookupTask::create_suffix(const ParamValues& p) { return make(false, p); }

std::vector<int64_t> NgramLookupTask::default_eval_sizes() const {
  std::vector<int64_t> sizes;
  for (int64_t n = min_len_; n <= max_len_; ++n) sizes.push_back(n);
  return sizes;
}

int64_t NgramLookupTask::draw(Rng& rng, int64_t length, std::vector<int32_t>& x) const {
  x.resize(length);
  for (auto& c : x) c = static_cast<int32_t>(rng.uniform_int(0, alphabet_ - 1));
  // Every n-gram as an exact base-V code (V ≤ 26, n ≤ 12 fits in 64 bits).
  const int64_t windows = length - ngram_ + 1;
  std::vector<uint64_t> codes(windows);
  for (int64_t s = 0; s < windows; ++s) {
    uint64_t code = 0;
    for (int64_t j = 0; j < ngram_; ++j) code = code * alphabet_ + x[s + j];
    codes[s] = code;
  }
  std::vector<uint64_t> sorted = codes;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> unique_starts;  // starts with answer_len letters after the n-gram
  for (int64_t s = 0; s + ngram_ + answer_len_ <= length; ++s) {
    const auto range = std::equal_range(sorted.begin(), sorted.end(), codes[s]);
    if (range.second - range.first == 1) unique_starts.push_back(s);
  }
  if (unique_starts.empty()) return -1;
  return unique_starts[rng.uniform_int(0, static_cast<int64_t>(unique_starts.size()) - 1)];
}

std::string NgramLookupTask::impossible_message(int64_t length) const {
  return name() + ": random strings of length " + std::to_string(length) + " over task.vocab = " +
         std::to_string(alphabet_) + " letters rarely hold a task.ngram = " + std::to_string(ngram_) +
         "-gram that occurs exactly once with task.answer_len = " + std::to_string(answer_len_) +
         " letters after it; raise task.vocab or task.ngram, or lower task.max_len / task.min_len";
}

void NgramLookupTask::check_feasible() const {
  // A deterministic probe of the success rate at the ends and the middle of the length range.
  std::vector<int32_t> x;
  for (int64_t length : {min_len_, (min_len_ + max_len_) / 2, max_len_}) {
    Rng probe(0x6e6772616dULL, static_cast<uint64_t>(length));
    int found = 0;
    for (int i = 0; i < kProbeDraws && found < kProbeNeeded; ++i) found += draw(probe, length, x) >= 0;
    require(found >= kProbeNeeded, impossible_message(length));
  }
}

Example NgramLookupTask::sample(Rng& rng) const { return sample_at(rng, rng.uniform_int(min_len_, max_len_)); }

// "$ g | x | a ." or "$ x | g a ." with |x| = max_len.
int64_t NgramLookupTask::longest_example() const { return max_len_ + ngram_ + answer_len_ + (prefix_form_ ? 4 : 3); }

Example NgramLookupTask::sample_at(Rng& rng, int64_t length) const {
  require(length >= ngram_ + answer_len_, name() + ": length " + std::to_string(length) +
                                              " cannot hold task.ngram + task.answer_len = " +
                                              std::to_string(ngram_ + answer_len_) + " letters");
  require(length <= kMaxLength, name() + ": length " + std::to_string(length) + " is beyond " +
                                    std::to_string(kMaxLength));
  std::vector<int32_t> x;
  int64_t start = -1;
  for (int i = 0; i < kMaxDraws && start < 0; ++i) start = draw(rng, length, x);
  require(start >= 0, impossible_message(length));

  const auto letter = [](int32_t c) { return kFirstLetter + c; };
  const auto append = [&](std::vector<int32_t>& out, int64_t from, int64_t count) {
    for (int64_t i = from; i < from + count; ++i) out.push_back(letter(x[i]));
  };
  Example ex;
  ex.size = length;
  ex.tokens.push_back(kBos);
  if (prefix_form_) {  // $ g | x |
    append(ex.tokens, start, ngram_);
    ex.tokens.push_back(kSep);
    append(ex.tokens, 0, length);
    ex.tokens.push_back(kSep);
  } else {  // $ x | g
    append(ex.tokens, 0, length);
    ex.tokens.push_back(kSep);
    append(ex.tokens, start, ngram_);
  }
  ex.prompt_len = static_cast<int64_t>(ex.tokens.size());
  append(ex.tokens, start + ngram_, answer_len_);  // a
  ex.tokens.push_back(kEos);
  ex.loss_mask.assign(ex.tokens.size(), 0);
  for (size_t t = ex.prompt_len; t < ex.tokens.size(); ++t) ex.loss_mask[t] = 1;
  ex.answer_mask = ex.loss_mask;  // a and "." are the answer
  return ex;
}

Verdict NgramLookupTask::verify(const Example& example, const std::vector<int32_t>& generated) const {
  // Right iff the output is exactly the continuation a followed by ".".
  const auto expected = expected_output(example);
  const bool right = generated == expected;
  return {right, right};
}

std::string NgramLookupTask::describe() const {
  const std::string form = prefix_form_ ? "'$ g | x | a .'" : "'$ x | g a .'";
  return name() + ": " + form + " with x of " + std::to_string(min_len_) + ".." + std::to_string(max_len_) +
         " letters from an alphabet of " + std::to_string(alphabet_) + ", g a " + std::to_string(ngram_) +
         "-gram unique in x, a the next " + std::to_string(answer_len_) + " letter(s); loss on a and '.'";
}

}  // namespace fl
