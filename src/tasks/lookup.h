// LOOKUP: the paper's COPY operation as a probe (Ren, Li & Liu, docs/SOURCES.md §3): copy one token
// from exactly L positions back, with accuracy broken down by the copy distance L.
//   $ x_1 … x_n | @p_1 a_1 @p_2 a_2 … @p_q a_q .
//   e.g. (n = 5, q = 2, L = 6):  $ v3 v0 v7 v2 v5 | @2 v0 @4 v2 .
// x_i uniform over the values v0…v(V-1); the query token @p (environment input, loss 0) names
// position p of x (1-based); the answer a = x_p (target, loss 1, answer 1); "." EOS target.
// Token indices: "$" 0, x_p at p, "|" n+1, query k (0-based) at n+2+2k, its answer at n+3+2k.
// Distance L of a query = index of its answer − index of its source x_p = n+3+2k − p, the
// number of steps the copied token travels. Every query of an example has the same distance
// L (= Example.size), so p_k = n+3+2k−L, and L ranges over [2q+1, n+2].
// Tokens: "*" 0, "$" 1, "|" 2, "." 3, values "v0"… from 4, positions "@1"…"@n" after them.
#pragma once
#include "tasks/task.h"

namespace fl {

class LookupTask : public Task {
 public:
  // distance 0 = each example's L uniform over [min_distance(), max_distance()].
  LookupTask(int64_t values, int64_t length, int64_t distance, int64_t queries);
  static std::vector<ParamSpec> specs();
  static std::unique_ptr<Task> create(const ParamValues& params);

  std::string name() const override { return "lookup"; }
  const Vocab& vocab() const override { return vocab_; }
  int32_t pad_id() const override { return kPad; }
  int32_t eos_id() const override { return kEos; }
  std::string size_name() const override { return "distance"; }
  std::vector<int64_t> default_eval_sizes() const override;
  Example sample(Rng& rng) const override;
  int64_t longest_example() const override;
  Example sample_at(Rng& rng, int64_t distance) const override;
  Verdict verify(const Example& example, const std::vector<int32_t>& generated) const override;
  std::string describe() const override;

  int64_t min_distance() const { return 2 * queries_ + 1; }
  int64_t max_distance() const { return length_ + 2; }
  int32_t value_id(int64_t v) const { return static_cast<int32_t>(kFirstValue + v); }
  int32_t position_id(int64_t p) const { return static_cast<int32_t>(kFirstValue + values_ + p - 1); }  // p = 1..n

  static constexpr int32_t kPad = 0, kBos = 1, kSep = 2, kEos = 3, kFirstValue = 4;

 private:
  int64_t values_, length_, distance_, queries_;
  Vocab vocab_;
};

}  // namespace fl
