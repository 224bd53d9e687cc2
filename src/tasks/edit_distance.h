// Edit distance (Feng et al. 2023, docs/SOURCES.md §5; their ED/data.py), costs insert = delete = 2,
// substitute = 3, match = 0, borders dp[i][0] = i, dp[0][j] = j (Feng's matrix starts as i + j,
// which on the borders is exactly that):
//   dp[i][j] = min(dp[i-1][j] + 2, dp[i][j-1] + 2, dp[i-1][j-1] + (s1_i == s2_j ? 0 : 3)).
// An example of size n: a sub-alphabet of 3..10 distinct letters, str1 = n uniform letters; with
// probability 0.4 str2 is independent (length uniform in [n-3, n+2]), otherwise str2 is str1
// after d edits, d uniform in [1, n] (drawn once per example), each edit uniformly a deletion
// (skipped while |str2| ≤ 2), a substitution (a uniform letter, possibly the same) or an insertion
// (at a uniform gap). Redrawn (alphabet, str1, branch; same d) until str2 ≠ str1 and
// |str2| in [n-3, n+2]. The shorter string goes first (str1 first on equal lengths).
//   cot:    s1 | s2 <sep> row_1 , … , row_|s1| , <sep> ans <eos>   with row_i = dp[i][1..|s2|]
//           e.g. "a b | b a c <sep> 3 1 3 , 1 3 4 , <sep> 4 <eos>"
//   direct: s1 | s2 <sep> ans <eos>
// Tokens: <pad> 0, <sep> 1, <eos> 2, | 3, "," 4, letters a..z 5..30, the integer k → k + 31
// (named "k"), k < num_range (Feng: 60). dp values reach at most 3n + 2 (|s1| = n, |s2| = n + 2,
// no letter in common), so the constructor requires 3n + 2 < num_range.
// Prompt = through the first <sep>; loss on every later token through <eos>; answer = ans.
#pragma once
#include "tasks/task.h"

namespace fl {

class EditDistanceTask : public Task {
 public:
  EditDistanceTask(int64_t min_n, int64_t n, const std::string& format, int64_t num_range);
  static std::vector<ParamSpec> specs();
  static std::unique_ptr<Task> create(const ParamValues& params);

  std::string name() const override { return "edit_distance"; }
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

  static constexpr int32_t kPad = 0, kSep = 1, kEos = 2, kBar = 3, kComma = 4, kFirstLetter = 5, kFirstInt = 31;
  static constexpr int64_t kInsert = 2, kDelete = 2, kSubstitute = 3;
  static int64_t max_value(int64_t n) { return 3 * n + 2; }  // the largest dp value at size n

 private:
  int64_t min_n_, n_;
  bool cot_;
  int64_t num_range_;
  Vocab vocab_;
};

}  // namespace fl
