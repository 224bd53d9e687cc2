// Multi-query associative recall (MQAR, HazyResearch zoology, docs/SOURCES.md §6). P key–value pairs,
// then q queries of earlier keys, each answered by its paired value:
//   $ k_1 v_1 … k_P v_P | [_ …] k v [_ …] k v … .
//   e.g. (P = 3, q = 2, query_gap = 2):  $ k5 v2 k0 v7 k3 v1 | _ k0 v7 _ _ k5 v2 .
// Keys are distinct, from the first half of the vocabulary (k0…); values are distinct, from the
// second half (v0…), as in zoology. Queries ask distinct keys of the example in random order.
// Before each query the environment inserts U[0, query_gap] filler tokens "_" (zoology spaces
// its queries randomly; 0 = queries back to back). Prompt = "$ pairs |"; fillers and query keys
// are environment inputs (loss 0); the answer values are targets and the answer; "." EOS is a
// target. Size = P. Tokens: "*" 0, "$" 1, "|" 2, "." 3, "_" 4, keys from 5, then values.
#pragma once
#include "tasks/task.h"

namespace fl {

class AssocRecallTask : public Task {
 public:
  // queries 0 = one query per pair (every key asked once).
  AssocRecallTask(int64_t vocab, int64_t min_pairs, int64_t max_pairs, int64_t queries, int64_t query_gap);
  static std::vector<ParamSpec> specs();
  static std::unique_ptr<Task> create(const ParamValues& params);

  std::string name() const override { return "assoc_recall"; }
  const Vocab& vocab() const override { return vocab_; }
  int32_t pad_id() const override { return kPad; }
  int32_t eos_id() const override { return kEos; }
  std::string size_name() const override { return "pairs"; }
  std::vector<int64_t> default_eval_sizes() const override;
  Example sample(Rng& rng) const override;
  int64_t longest_example() const override;
  Example sample_at(Rng& rng, int64_t pairs) const override;
  Verdict verify(const Example& example, const std::vector<int32_t>& generated) const override;
  std::string describe() const override;

  int32_t key_id(int64_t k) const { return static_cast<int32_t>(kFirstKey + k); }
  int32_t value_id(int64_t v) const { return static_cast<int32_t>(kFirstKey + keys_ + v); }

  static constexpr int32_t kPad = 0, kBos = 1, kSep = 2, kEos = 3, kFiller = 4, kFirstKey = 5;

 private:
  int64_t keys_, values_, min_pairs_, max_pairs_, queries_, query_gap_;
  Vocab vocab_;
};

}  // namespace fl
