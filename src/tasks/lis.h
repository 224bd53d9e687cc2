// Longest increasing subsequence (Feng et al. 2023, docs/SOURCES.md §5; their LIS/data.py).
// An example of size n: values a_1..a_n from [n+1, n+value_span) (so they never collide with
// the dp values 1..n); 1–3 strictly increasing runs of total length 3..n are planted at random
// positions, the other entries are uniform. dp_i = 1 + max{dp_j : j < i, a_j < a_i} (1 if none),
// the answer is max dp. No BOS (as Feng's files).
//   cot:    a_1 … a_n <sep> dp_1 … dp_n <sep> ans <eos>
//           e.g. "60 15 33 20 <sep> 1 1 2 2 <sep> 2 <eos>"  (values shown small)
//   direct: a_1 … a_n <sep> ans <eos>
// Tokens: <pad> 0, <sep> 1, <eos> 2, the integer k → k + 3 (named "k"), k in [0, n + value_span).
// Prompt = through the first <sep>; loss on every later token through <eos>; answer = ans.
// Sizes: n uniform in [min_n, n] (Feng trains at one n: min_n = n).
#pragma once
#include "tasks/task.h"

namespace fl {

class LisTask : public Task {
 public:
  LisTask(int64_t min_n, int64_t n, const std::string& format, int64_t value_span);
  static std::vector<ParamSpec> specs();
  static std::unique_ptr<Task> create(const ParamValues& params);

  std::string name() const override { return "lis"; }
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

  static constexpr int32_t kPad = 0, kSep = 1, kEos = 2, kFirstInt = 3;

 private:
  std::vector<int64_t> draw_sequence(Rng& rng, int64_t n) const;

  int64_t min_n_, n_;
  bool cot_;
  int64_t value_span_;
  Vocab vocab_;
};

}  // namespace fl
