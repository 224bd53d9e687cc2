#include "tasks/assoc_recall.h"

#include <algorithm>
#include <unordered_map>

#include "core/error.h"

namespace fl {

namespace {
std::vector<std::string> recall_vocab(int64_t keys, int64_t values) {
  std::vector<std::string> names = {"*", "$", "|", ".", "_"};
  for (int64_t k = 0; k < keys; ++k) names.push_back("k" + std::to_string(k));
  for (int64_t v = 0; v < values; ++v) names.push_back("v" + std::to_string(v));
  return names;
}

// The first `count` entries of a uniformly random permutation of 0..range-1.
std::vector<int64_t> distinct(Rng& rng, int64_t range, int64_t count) {
  std::vector<int64_t> all(range);
  for (int64_t i = 0; i < range; ++i) all[i] = i;
  for (int64_t i = 0; i < count; ++i) std::swap(all[i], all[rng.uniform_int(i, range - 1)]);
  all.resize(count);
  return all;
}
}  // namespace

AssocRecallTask::AssocRecallTask(int64_t vocab, int64_t min_pairs, int64_t max_pairs, int64_t queries,
                                 int64_t query_gap)
    : keys_(vocab / 2),
      values_(vocab - vocab / 2),
      min_pairs_(min_pairs),
      max_pairs_(max_pairs),
      queries_(queries),
      query_gap_(query_gap),
      vocab_(recall_vocab(keys_, values_)) {
  require(min_pairs >= 1, "task.min_pairs = " + std::to_string(min_pairs) + " must be at least 1");
  require(min_pairs <= max_pairs, "task.min_pairs = " + std::to_string(min_pairs) + " is larger than task.pairs = " +
                                      std::to_string(max_pairs));
  require(max_pairs <= keys_, "task.pairs = " + std::to_string(max_pairs) + " needs task.vocab >= " +
                                  std::to_string(2 * max_pairs) + " (distinct keys from one half, distinct values " +
                                  "from the other); got task.vocab = " + std::to_string(vocab));
  require(queries >= 0 && queries <= min_pairs,
          "task.queries = " + std::to_string(queries) + " exceeds task.min_pairs = " + std::to_string(min_pairs) +
              " (each query asks a different key of the example; 0 = one per pair)");
  require(query_gap >= 0, "task.query_gap = " + std::to_string(query_gap) + " must be at least 0");
}

std::vector<ParamSpec> AssocRecallTask::specs() {
  return {
      {"task.vocab", Kind::Int, 64, "key + value vocabulary: keys the first half, values the second", 2, 1000000},
      {"task.pairs", Kind::Int, 8, "most key-value pairs per example", 1, 500000},
      {"task.min_pairs", Kind::Int, 1, "fewest key-value pairs per example", 1, 500000},
      {"task.queries", Kind::Int, 0, "queries per example, distinct keys (0 = one per pair)", 0, 500000},
      {"task.query_gap", Kind::Int, 0, "up to this many filler tokens before each query (0 = back to back)", 0,
       100000},
  };
}

std::unique_ptr<Task> AssocRecallTask::create(const ParamValues& p) {
  return std::make_unique<AssocRecallTask>(p.get_int("task.vocab"), p.get_int("task.min_pairs"),
                                           p.get_int("task.pairs"), p.get_int("task.queries"),
                                           p.get_int("task.query_gap"));
}

std::vector<int64_t> AssocRecallTask::default_eval_sizes() const {
  std::vector<int64_t> sizes;
  for (int64_t p = min_pairs_; p <= max_pairs_; ++p) sizes.push_back(p);
  return sizes;
}

Example AssocRecallTask::sample(Rng& rng) const { return sample_at(rng, rng.uniform_int(min_pairs_, max_pairs_)); }

// "$ k v … |" with the most pairs, then each query after the most fillers, and ".".
int64_t AssocRecallTask::longest_example() const {
  const int64_t queries = queries_ > 0 ? queries_ : max_pairs_;
  return 2 * max_pairs_ + 3 + queries * (query_gap_ + 2);
}

Example AssocRecallTask::sample_at(Rng& rng, int64_t pairs) const {
  const int64_t fewest = std::max<int64_t>(1, queries_);
  require(pairs >= fewest && pairs <= keys_, "assoc_recall: " + std::to_string(pairs) + " pairs is outside " +
                                                 std::to_string(fewest) + ".." + std::to_string(keys_) +
                                                 " (set by task.vocab and task.queries)");
  const auto keys = distinct(rng, keys_, pairs), values = distinct(rng, values_, pairs);
  const auto asked = distinct(rng, pairs, queries_ > 0 ? queries_ : pairs);  // pair indices, in query order
  Example ex;
  ex.size = pairs;
  const auto push = [&](int32_t token, uint8_t loss, uint8_t answer) {
    ex.tokens.push_back(token), ex.loss_mask.push_back(loss), ex.answer_mask.push_back(answer);
  };
  push(kBos, 0, 0);
  for (int64_t i = 0; i < pairs; ++i) push(key_id(keys[i]), 0, 0), push(value_id(values[i]), 0, 0);
  push(kSep, 0, 0);
  ex.prompt_len = static_cast<int64_t>(ex.tokens.size());
  for (int64_t i : asked) {
    for (int64_t g = rng.uniform_int(0, query_gap_); g > 0; --g) push(kFiller, 0, 0);
    push(key_id(keys[i]), 0, 0);
    push(value_id(values[i]), 1, 1);
  }
  push(kEos, 1, 0);
  return ex;
}

Verdict AssocRecallTask::verify(const Example& example, const std::vector<int32_t>& generated) const {
  // The pairs are read from the prompt; each answer slot must hold the value paired with the
  // key just before it, every environment token must be in place, and "." must end it.
  std::unordered_map<int32_t, int32_t> value_of;
  for (int64_t t = 1; t + 1 < example.prompt_len; t += 2) value_of[example.tokens[t]] = example.tokens[t + 1];
  const auto expected = expected_output(example);
  bool answers = true;
  for (size_t i = 0; answers && i + 1 < expected.size(); ++i) {  // every position before "."
    if (i >= generated.size()) {
      answers = false;
    } else if (!example.loss_mask[example.prompt_len + i]) {
      answers = generated[i] == expected[i];
    } else {
      const auto it = i > 0 ? value_of.find(generated[i - 1]) : value_of.end();
      answers = it != value_of.end() && generated[i] == it->second;
    }
  }
  const bool whole = answers && generated.size() == expected.size() && generated.back() == kEos;
  return {answers, whole};
}

std::string AssocRecallTask::describe() const {
  return "assoc_recall: '$ k v ... | k v ... .' with " + std::to_string(min_pairs_) + ".." +
         std::to_string(max_pairs_) + " pairs (" + std::to_string(keys_) + " keys, " + std::to_string(values_) +
         " values), " + (queries_ > 0 ? std::to_string(queries_) + " queries" : std::string("one query per pair")) +
         ", up to " + std::to_string(query_gap_) + " fillers before each; loss on the answers and '.'";
}

}  // namespace fl
