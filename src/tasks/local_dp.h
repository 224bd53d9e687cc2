// LOCAL_DP: an m-local dynamic programme in two formats over the same problem (docs/THEORY.md,
// "The local_dp task"). Inputs s_1 … s_n uniform in [0, p), n uniform in [min_n, n];
//   dp_i = (dp_{i-1} + dp_{i-m} + s_i) mod p   for i = 1..n,   dp_j = 0 for j ≤ 0.
// interleaved: "$ s_1 dp_1 s_2 dp_2 … s_n dp_n ."   e.g. (m = 2, p = 10):  $ s3 3 s4 7 s9 9 .
//   prompt "$"; each s_i is an environment input (loss 0) arriving right before dp_i (target).
// prefix:      "$ s_1 … s_n | dp_1 … dp_n ."         e.g.                 $ s3 s4 s9 | 3 7 9 .
//   prompt "$ s_1 … s_n |"; every dp_i is a target (free generation).
// Both: "." EOS is a target; the answer is dp_n; the whole chain is every dp_i. Size = n.
// Tokens: "*" 0, "$" 1, "|" 2, "." 3, inputs "s0"…"s(p-1)" from 4, results "0"…"(p-1)" after.
// The same Rng draws give the same problem (n, s) in both formats.
// Phase (task.phase = P ≥ 1, default 0 = none): each input also carries its position modulo P,
// the token "s{v}@{k}" for s_i = v, k = i mod P (inputs ordered by k, then v: p·P of them). The
// problem, the results and the answers are unchanged; only the environment's tokens say where
// they stand (docs/THEORY.md, "How position enters": a Mamba layer cannot count by itself).
#pragma once
#include "tasks/task.h"

namespace fl {

class LocalDpTask : public Task {
 public:
  enum class Format { Interleaved, Prefix };
  LocalDpTask(Format format, int64_t min_n, int64_t max_n, int64_t locality, int64_t modulus, int64_t phase = 0);
  static std::vector<ParamSpec> specs();
  static std::unique_ptr<Task> create(const ParamValues& params);

  std::string name() const override { return "local_dp"; }
  const Vocab& vocab() const override { return vocab_; }
  int32_t pad_id() const override { return kPad; }
  int32_t eos_id() const override { return kEos; }
  std::string size_name() const override { return "n"; }
  std::vector<int64_t> default_eval_sizes() const override;
  Example sample(Rng& rng) const override;
  int64_t longest_example() const override;
  Example sample_at(Rng& rng, int64_t n) const override;
  Verdict verify(const Example& example, const std::vector<int32_t>& generated) const override;
  std::string describe() const override;

  // Input s at step i (1-based; its phase i mod P matters only when P ≥ 1).
  int32_t input_id(int64_t s, int64_t i = 0) const {
    return static_cast<int32_t>(kFirstInput + (phase_ > 0 ? i % phase_ : 0) * modulus_ + s);
  }
  int32_t result_id(int64_t v) const { return static_cast<int32_t>(kFirstInput + phase_slots() * modulus_ + v); }
  bool is_input(int32_t id) const { return id >= kFirstInput && id < result_id(0); }
  int64_t input_value(int32_t id) const { return (id - kFirstInput) % modulus_; }  // is_input(id) only
  int64_t input_phase(int32_t id) const { return (id - kFirstInput) / modulus_; }  // k of "s{v}@{k}"; 0 without phase
  Format format() const { return format_; }
  int64_t locality() const { return locality_; }
  int64_t modulus() const { return modulus_; }
  int64_t phase() const { return phase_; }

  static constexpr int32_t kPad = 0, kBos = 1, kSep = 2, kEos = 3, kFirstInput = 4;

 private:
  std::vector<int64_t> solve(const std::vector<int64_t>& inputs) const;  // dp_1 … dp_n
  Verdict verify_interleaved(const std::vector<int64_t>& dp, const std::vector<int64_t>& inputs,
                             const std::vector<int32_t>& generated) const;
  Verdict verify_prefix(const std::vector<int64_t>& dp, const std::vector<int32_t>& generated) const;

  int64_t phase_slots() const { return phase_ > 0 ? phase_ : 1; }

  Format format_;
  int64_t min_n_, max_n_, locality_, modulus_, phase_;
  Vocab vocab_;
};

}  // namespace fl
