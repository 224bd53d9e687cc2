// Arithmetic over GF(p) (Feng et al. 2023, docs/SOURCES.md §5; their arithmetic/data.py), p prime.
// An example of size n (operators): start from one uniform number and n times replace a number
// (uniform over the number tokens) by an equal "a op b" — op uniform in + - * /, a uniform, b
// solved for (redrawn when impossible, so no division by 0) — wrapped in brackets only when
// Feng's rule needs them: after "/" always; else after "*" or before "*" or "/" when op is
// + or -; else after "-" when op is + or -.
// CoT evaluates one operation per step and rewrites the whole expression, steps joined by "=".
// Our rule (Feng's CoT is his construction history reversed, so not a function of the
// expression): under standard precedence (* / before + -, left-associative, parentheses first)
// evaluate the leftmost operation whose two operands are plain numbers (= the first operation in
// postfix order); print with only the brackets the structure needs (a bracket around a single
// number is dropped).
//   cot:    9 * ( 4 + 3 ) / ( 3 - 9 ) = 9 * 7 / ( 3 - 9 ) = 8 / ( 3 - 9 ) = 8 / 5 = 6 <eos>
//   direct: 9 * ( 4 + 3 ) / ( 3 - 9 ) = 6 <eos>
// Tokens (Feng's ids): <pad> 0, <cls> 1 (unused), <eos> 2, + 3, - 4, * 5, / 6, ( 7, ) 8, = 9,
// the number k → k + 10 (named "k"), k in [0, p).
// Prompt = the expression and the first "="; loss on every later token through <eos>;
// answer = the final number (the token before <eos>).
// Sizes: n uniform in [min_n, n]; sample_at also takes sizes beyond task.n (length generalisation).
#pragma once
#include "tasks/task.h"

namespace fl {

class ArithmeticTask : public Task {
 public:
  ArithmeticTask(int64_t min_n, int64_t n, const std::string& format, int64_t modulus);
  static std::vector<ParamSpec> specs();
  static std::unique_ptr<Task> create(const ParamValues& params);

  std::string name() const override { return "arithmetic"; }
  const Vocab& vocab() const override { return vocab_; }
  int32_t pad_id() const override { return kPad; }
  int32_t eos_id() const override { return kEos; }
  std::string size_name() const override { return "operators"; }
  std::vector<int64_t> default_eval_sizes() const override;
  Example sample(Rng& rng) const override;
  int64_t longest_example() const override;
  Example sample_at(Rng& rng, int64_t n) const override;
  Verdict verify(const Example& example, const std::vector<int32_t>& generated) const override;
  std::string describe() const override;

  static constexpr int32_t kPad = 0, kCls = 1, kEos = 2, kAdd = 3, kSub = 4, kMul = 5, kDiv = 6, kOpen = 7,
                           kClose = 8, kEquals = 9, kFirstNumber = 10;

 private:
  std::vector<int32_t> draw_expression(Rng& rng, int64_t n) const;
  int64_t apply(int32_t op, int64_t a, int64_t b) const;  // a op b in GF(p)

  int64_t min_n_, n_;
  bool cot_;
  int64_t p_;
  Vocab vocab_;
};

}  // namespace fl
