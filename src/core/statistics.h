// Statistics the measurements share: medians, ordinary least-squares lines, the growth-law
// bands of a log-log slope, 95% intervals of accuracies, paired tests and the comparison of
// size-growth laws (used by the verdict rules, report/verdict.h, and the cost report). Torch-free.
//
//   y ≈ intercept + slope · x, slope = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)², intercept = ȳ − slope · x̄,
//   R² = 1 − Σ(y − ŷ)² / Σ(y−ȳ)²   (1 when the points lie on the line; 0 when y is constant,
//                                   since then a line explains nothing beyond the mean).
// The slope's standard error, for n ≥ 3 points: se = sqrt(Σ(y − ŷ)² / (n − 2) / Σ(x−x̄)²), and its
// 95% interval slope ± t(0.975, n − 2)·se (the t interval of a least-squares slope).
// fit_log_log fits log y against log x (natural logs), so slope is the power-law exponent:
// y ∝ x^slope; points with x ≤ 0 or y ≤ 0 (or non-finite) are left out.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace fl {

// A closed interval [low, high] (95% intervals of accuracies and slopes).
struct Interval {
  double low = 0, high = 0;
  bool overlaps(const Interval& o) const { return low <= o.high && o.low <= high; }
};

struct LinearFit {
  int64_t points = 0;  // points used
  double slope = 0, intercept = 0, r_squared = 0;
  double slope_se = 0;  // the slope's standard error (0 with fewer than 3 points: unknown, see below)
  bool valid() const { return points >= 2; }  // two distinct x values at least
  // slope ± t(0.975, points − 2)·slope_se; with fewer than 3 points nothing is known about the
  // slope's spread: the whole line [−∞, +∞].
  Interval slope_interval95() const;
};

// Points with a non-finite x or y are skipped. Fewer than two usable points, or all x equal →
// points = 0 (an invalid fit, all other fields 0). Throws fl::Error if x and y differ in length.
LinearFit fit_line(const std::vector<double>& x, const std::vector<double>& y);
LinearFit fit_log_log(const std::vector<double>& x, const std::vector<double>& y);

// The middle value (the mean of the two middle values for an even count); 0 for no values.
double median(std::vector<double> values);

// How y grows with x, read from the log-log slope s of y against x: flat |s| < kFlatBand,
// linear 1 − kGrowthBand ≤ s < 1 + kGrowthBand, quadratic likewise around 2.
constexpr double kFlatBand = 0.25;
constexpr double kGrowthBand = 0.25;
enum class GrowthLaw { flat, linear, quadratic };
const char* to_string(GrowthLaw growth);             // "flat", "linear", "quadratic"
std::optional<GrowthLaw> growth_band(double slope);  // nullopt: in none of the bands

// ---- 95% intervals of accuracies ----

// Wilson score interval (z = 1.959964) of a proportion from `correct` of `n` trials:
//   centre = (p̂ + z²/2n) / (1 + z²/n), half-width = z·sqrt(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n).
// n = 0 → [0, 1] (nothing is known). Throws fl::Error when correct ∉ [0, n].
Interval wilson_interval(int64_t correct, int64_t n);

// The 0.975 quantile of Student's t with `df` ≥ 1 degrees of freedom (two-sided 95%): the table
// value (4 decimals) for df ≤ 30, above it the Cornish–Fisher expansion in 1/df (error < 1e-5).
double t_quantile_975(int64_t df);

// mean ± t(0.975, k−1)·s/√k of k ≥ 2 values (s: sample standard deviation). Throws fl::Error for
// fewer than two values.
Interval t_interval(const std::vector<double>& values);

// One model's accuracy on one cell: one value per training seed (seeds[i] ran accuracies[i]),
// each measured on `examples` evaluation examples.
struct AccuracyRuns {
  std::vector<double> accuracies;  // fractions in [0, 1]; NaN runs are not kept by add()
  std::vector<int64_t> seeds;
  int64_t examples = 0;  // evaluation examples per run (the smallest, when runs differ)
  void add(int64_t seed, double accuracy, int64_t examples);
  bool empty() const { return accuracies.empty(); }
  double mean() const;  // NaN when empty
  // The 95% interval callers show and compare: one run → the Wilson interval of its examples
  // (correct = round(accuracy·examples)); several → the wider (lower low, higher high) of the
  // t interval across seeds and the Wilson interval of all runs' examples pooled (so seeds that
  // agree exactly do not give a zero-width interval), clipped to [0, 1]. Empty → [0, 1].
  Interval interval95() const;
};

// ---- paired tests ----

// Two-sided paired sign-flip (permutation) test of "the matched differences are symmetric about
// 0": p = the share of the 2^n sign assignments whose |Σ ± d_i| ≥ |Σ d_i| (a relative tolerance
// of 1e-9 counts ties). Exact enumeration for n ≤ kExactSignFlipPairs; above, Monte Carlo with
// kSignFlipSamples draws from Rng(kSignFlipSeed, 0), p = (hits + 1)/(draws + 1). With n pairs the
// smallest exact p is 2/2^n, so fewer than 6 pairs can never reach p < 0.05.
constexpr int64_t kExactSignFlipPairs = 20;
constexpr int64_t kSignFlipSamples = 200000;
constexpr uint64_t kSignFlipSeed = 20241003;
struct PairedTest {
  int64_t pairs = 0;
  double mean_difference = 0;  // NaN for no pairs
  double p_value = 1;
  bool exact = true;  // false: Monte Carlo
};
PairedTest sign_flip_test(const std::vector<double>& differences);  // non-finite differences are left out

// Two-sided exact sign test: `plus` and `minus` non-tied pairs, p = min(1, 2·P(X ≥ max(plus, minus)))
// for X ~ Binomial(plus + minus, 1/2); 1 when there are none.
double sign_test_p(int64_t plus, int64_t minus);
// One-sided exact sign test of "plus is the more likely sign": P(X ≥ plus) for X ~ Binomial(plus +
// minus, 1/2); 1 when there are none.
double sign_test_greater_p(int64_t plus, int64_t minus);

// ---- trend ----

// Kendall's trend test of y against x: S = Σ_{i<j} sign(x_j − x_i)·sign(y_j − y_i) over the points
// with a non-NaN y (y may be ±∞: ranks are what count), τ = S / (n(n−1)/2). Its null hypothesis:
// y does not depend on x (every assignment of the y values to the x positions is equally likely).
// p_increasing = the share of those permutations with S' ≥ S, p_decreasing the share with S' ≤ S
// (one-sided each). Exact over all n! permutations for n ≤ kExactTrendPoints; above, Monte Carlo
// with kTrendSamples shuffles from Rng(kSignFlipSeed, 1), p = (hits + 1)/(draws + 1). With n
// distinct values the smallest p is 1/n!: 4 points can reach 1/24 < 0.05, 3 cannot (1/6).
constexpr int64_t kExactTrendPoints = 8;
constexpr int64_t kTrendSamples = 100000;
struct TrendTest {
  int64_t points = 0, s = 0;
  double tau = 0, p_increasing = 1, p_decreasing = 1;
  bool exact = true;  // false: Monte Carlo
};
TrendTest kendall_trend_test(const std::vector<double>& x, const std::vector<double>& y);  // sizes must match

// ---- growth laws of "smallest size reaching the target" against length ----

// Three two-coefficient laws fitted by least squares: linear size = a + b·L; logarithmic
// size = a + b·ln L (needs L > 0); exponential ln size = a + b·L (fitted on ln size, needs
// size > 0). Each is scored by AICc on its residuals in size units (the exponential's are
// size − e^(a + b·L)). All three have the same parameter count (a, b and the residual variance),
// so AICc differences reduce to n·ln(RSS_j / RSS_i): the score reported is n·ln(RSS/n), AICc up to
// a constant common to the three laws (which n ≤ 4 would make infinite). Each RSS is floored at
// n·(1e-6·max |size|)², so exact fits get a large finite margin and rounding never decides.
enum class SizeLaw { linear, logarithmic, exponential };
const char* to_string(SizeLaw law);  // "linear", "logarithmic", "exponential"
struct SizeLawFit {
  SizeLaw law = SizeLaw::linear;
  double a = 0, b = 0, rss = 0, score = 0;  // score: n·ln(RSS/n), lower is better
};
struct SizeLawComparison {
  int64_t points = 0;
  std::vector<SizeLawFit> fits;  // linear, logarithmic, exponential, in that order
  SizeLaw winner = SizeLaw::linear;
  double margin = 0;  // the runner-up's score minus the winner's (ΔAICc ≥ 0)
  bool valid() const { return !fits.empty(); }
  const SizeLawFit& fit(SizeLaw law) const;
};
// Needs ≥ 3 points with finite values, L > 0, size > 0 and two distinct L; otherwise the
// comparison is invalid (no fits). Throws fl::Error if the vectors differ in length.
SizeLawComparison compare_size_laws(const std::vector<double>& length, const std::vector<double>& size);

}  // namespace fl
