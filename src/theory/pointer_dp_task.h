// POINTER_DP: a DP whose step i reads a result at an arbitrary earlier position named by its input
// (Theorem 4's side, docs/THEORY.md "Theorem 4 by construction"). A theory probe, not in the task
// registry: the hand-set models of theory/slot_dp_construction.h run on it through the evaluator.
//   dp_i = (dp_{i-1} + dp_{r_i} + s_i) mod p     for i = 1 … n,   dp_0 = 0,
// with s_i uniform in [0, p) and the pointer r_i uniform in [0, i−1]. With r_i = max(0, i − m)
// fixed this is local_dp with locality m; here the input names r_i, so a step may reach back to
// any earlier result and a solver must keep all of them.
// Interleaved format: "$ q_1 dp_1 q_2 dp_2 … q_n dp_n ." where the input q_i (environment, loss 0)
// is the token "s{v}@{i}r{r}": value s_i = v at step i, reading dp_r. By the position convention
// of docs/THEORY.md an input carries its own position (here i, absolute); results carry none.
// Tokens: "*" 0, "$" 1, "|" 2 (unused), "." 3; inputs from 4, ordered by i, then r, then v
// (p·N(N+1)/2 of them for the largest size N); then the results "0" … "(p−1)". Size = n.
#pragma once
#include <utility>
#include <vector>

#include "tasks/task.h"

namespace fl::theory {

class PointerDpTask : public Task {
 public:
  PointerDpTask(int64_t max_n, int64_t modulus);  // fl::Error when max_n ∉ [1, 64] or modulus ∉ [2, 100]

  std::string name() const override { return "pointer_dp"; }
  const Vocab& vocab() const override { return vocab_; }
  int32_t pad_id() const override { return kPad; }
  int32_t eos_id() const override { return kEos; }
  std::string size_name() const override { return "n"; }
  std::vector<int64_t> default_eval_sizes() const override;
  Example sample(Rng& rng) const override;
  Example sample_at(Rng& rng, int64_t n) const override;
  int64_t longest_example() const override { return 2 * max_n_ + 2; }  // "$ q_1 dp_1 … q_n dp_n ." at n = max_n
  Verdict verify(const Example& example, const std::vector<int32_t>& generated) const override;
  std::string describe() const override;

  // The example of one explicit problem: inputs s (n values in [0, p)) and pointers r
  // (r[i−1] ∈ [0, i−1] for step i). fl::Error on anything else.
  Example example(const std::vector<int64_t>& inputs, const std::vector<int64_t>& pointers) const;
  // A random problem of size n whose last step reads dp_{last_pointer} (∈ [0, n−1]): the family
  // that reads every earlier result at the end, which a state of fewer slots than n − 1 cannot serve.
  Example sample_reaching(Rng& rng, int64_t n, int64_t last_pointer) const;
  // dp_1 … dp_n of a problem.
  std::vector<int64_t> solve(const std::vector<int64_t>& inputs, const std::vector<int64_t>& pointers) const;

  struct Input {
    int64_t step = 0, pointer = 0, value = 0;  // i, r_i, s_i
  };
  int32_t input_id(const Input& in) const;
  bool is_input(int32_t id) const { return id >= kFirstInput && id < result_id(0); }
  Input input_of(int32_t id) const;  // is_input(id) only
  int32_t result_id(int64_t v) const { return static_cast<int32_t>(first_result_ + v); }
  int64_t max_n() const { return max_n_; }
  int64_t modulus() const { return modulus_; }

  static constexpr int32_t kPad = 0, kBos = 1, kSep = 2, kEos = 3, kFirstInput = 4;

 private:
  std::pair<std::vector<int64_t>, std::vector<int64_t>> draw(Rng& rng, int64_t n) const;  // inputs, pointers

  int64_t max_n_, modulus_, first_result_;
  Vocab vocab_;
};

}  // namespace fl::theory
