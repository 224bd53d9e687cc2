// The interval, test and growth-law statistics of core/statistics.h against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/statistics.h"

namespace fl {
namespace {

TEST(Statistics, WilsonIntervalMatchesTheFormula) {
  // 8 of 10: p̂ = 0.8, z²/n = 0.38415 → centre 0.71674, half-width 0.22658.
  const Interval eight = wilson_interval(8, 10);
  EXPECT_NEAR(eight.low, 0.490162, 1e-6);
  EXPECT_NEAR(eight.high, 0.943318, 1e-6);
  // 0 of 10: the low end is 0, the high end z²/(n + z²) = 0.27753.
  const Interval none = wilson_interval(0, 10);
  EXPECT_DOUBLE_EQ(none.low, 0.0);
  EXPECT_NEAR(none.high, 0.277533, 1e-6);
  EXPECT_NEAR(wilson_interval(10, 10).low, 0.722467, 1e-6);
  EXPECT_DOUBLE_EQ(wilson_interval(0, 0).low, 0.0);
  EXPECT_DOUBLE_EQ(wilson_interval(0, 0).high, 1.0);
  EXPECT_THROW(wilson_interval(11, 10), Error);
  EXPECT_TRUE(eight.overlaps(none) == false && none.overlaps({0.2, 0.3}));
}

TEST(Statistics, StudentTQuantileAndInterval) {
  EXPECT_DOUBLE_EQ(t_quantile_975(1), 12.7062);
  EXPECT_DOUBLE_EQ(t_quantile_975(2), 4.3027);
  EXPECT_DOUBLE_EQ(t_quantile_975(30), 2.0423);
  EXPECT_NEAR(t_quantile_975(40), 2.02108, 1e-5);   // expansion beyond the table
  EXPECT_NEAR(t_quantile_975(120), 1.97993, 1e-5);
  EXPECT_THROW(t_quantile_975(0), Error);
  // {0.8, 0.9, 1.0}: mean 0.9, s = 0.1, half-width 4.3027 · 0.1/√3 = 0.248417.
  const Interval t = t_interval({0.8, 0.9, 1.0});
  EXPECT_NEAR(t.low, 0.651583, 1e-6);
  EXPECT_NEAR(t.high, 1.148417, 1e-6);
  EXPECT_THROW(t_interval({0.5}), Error);
}

TEST(Statistics, SlopeIntervalIsTheTIntervalOfTheLeastSquaresSlope) {
  // x̄ = 2.5, ȳ = 2.75, Σ(x−x̄)² = 5, slope 5.5/5 = 1.1, intercept 0; residuals −0.1, 0.8, −1.3, 0.6:
  // RSS 2.7, se = sqrt(2.7/2/5) = 0.519615, half-width t(0.975, 2)·se = 4.3027 · 0.519615 = 2.235748.
  const LinearFit fit = fit_line({1, 2, 3, 4}, {1, 3, 2, 5});
  EXPECT_NEAR(fit.slope, 1.1, 1e-12);
  EXPECT_NEAR(fit.slope_se, 0.519615, 1e-6);
  EXPECT_NEAR(fit.slope_interval95().low, -1.135748, 1e-6);
  EXPECT_NEAR(fit.slope_interval95().high, 3.335748, 1e-6);
  // Exact power law: the exponent with a zero-width interval.
  const LinearFit power = fit_log_log({2, 4, 8}, {12, 48, 192});
  EXPECT_NEAR(power.slope_interval95().low, 2.0, 1e-9);
  EXPECT_NEAR(power.slope_interval95().high, 2.0, 1e-9);
  // Two points: a line, but nothing known about its spread.
  const Interval two = fit_line({1, 2}, {1, 3}).slope_interval95();
  EXPECT_TRUE(std::isinf(two.low) && two.low < 0 && std::isinf(two.high) && two.high > 0);
}

TEST(Statistics, AccuracyRunsUseWilsonForOneRunAndTheWiderIntervalForSeeds) {
  AccuracyRuns one;
  one.add(1, 0.8, 10);
  one.add(2, NAN, 10);  // an unmeasured run is not kept
  EXPECT_EQ(one.accuracies.size(), 1u);
  EXPECT_NEAR(one.interval95().low, 0.490162, 1e-6);
  AccuracyRuns three;
  for (auto [seed, accuracy] : {std::pair{1, 0.8}, {2, 0.9}, {3, 1.0}}) three.add(seed, accuracy, 10);
  EXPECT_NEAR(three.mean(), 0.9, 1e-12);
  // t: [0.6516, 1.1484]; pooled Wilson 27 of 30: [0.7438, 0.9654] → [0.6516, 1] after clipping.
  EXPECT_NEAR(three.interval95().low, 0.651583, 1e-6);
  EXPECT_DOUBLE_EQ(three.interval95().high, 1.0);
  AccuracyRuns agreeing;
  for (int seed : {1, 2, 3}) agreeing.add(seed, 1.0, 10);
  // t has zero width; the pooled Wilson interval of 30 of 30 keeps [0.88649, 1].
  EXPECT_NEAR(agreeing.interval95().low, 0.886487, 1e-6);
  EXPECT_TRUE(std::isnan(AccuracyRuns{}.mean()));
  EXPECT_DOUBLE_EQ(AccuracyRuns{}.interval95().high, 1.0);
}

TEST(Statistics, SignFlipTestExactAndMonteCarlo) {
  // {1, 2, 3}: only all-plus and all-minus reach |Σ| = 6 → p = 2/8.
  const PairedTest small = sign_flip_test({1, 2, 3});
  EXPECT_TRUE(small.exact);
  EXPECT_EQ(small.pairs, 3);
  EXPECT_DOUBLE_EQ(small.p_value, 0.25);
  EXPECT_DOUBLE_EQ(small.mean_difference, 2.0);
  // {3, −1, 2, 2}: |Σ| = 6 is reached by ±(3, −1, 2, 2) and ±(3, 1, 2, 2) of 16 → 4/16.
  EXPECT_DOUBLE_EQ(sign_flip_test({3, -1, 2, 2, NAN}).p_value, 0.25);
  EXPECT_DOUBLE_EQ(sign_flip_test({1, 1, 1, 1, 1, 1}).p_value, 2.0 / 64);
  const PairedTest nothing = sign_flip_test({});
  EXPECT_EQ(nothing.pairs, 0);
  EXPECT_DOUBLE_EQ(nothing.p_value, 1.0);
  // 21 pairs: Monte Carlo; the exact p (2^21 sign vectors, computed offline) is 0.021107.
  const std::vector<double> d{0.1, -0.05, 0.2, 0.15, -0.1, 0.05, 0.1,  0.3, -0.2, 0.1, 0.05,
                              0.1, -0.05, 0.2, 0.1,  0.0,  0.15, -0.1, 0.05, 0.1, 0.2};
  const PairedTest mc = sign_flip_test(d);
  EXPECT_FALSE(mc.exact);
  EXPECT_NEAR(mc.p_value, 0.021107, 0.002);  // 200,000 draws: standard error 0.0003
  EXPECT_DOUBLE_EQ(mc.p_value, sign_flip_test(d).p_value) << "fixed seed";
}

TEST(Statistics, SignTestIsTheTwoSidedBinomialTail) {
  EXPECT_DOUBLE_EQ(sign_test_p(5, 0), 2.0 / 32);
  EXPECT_NEAR(sign_test_p(6, 0), 2.0 / 64, 1e-12);
  EXPECT_NEAR(sign_test_p(1, 9), 22.0 / 1024, 1e-12);  // P(X ≥ 9) = 11/1024
  EXPECT_DOUBLE_EQ(sign_test_p(3, 3), 1.0);
  EXPECT_DOUBLE_EQ(sign_test_p(0, 0), 1.0);
}

TEST(Statistics, OneSidedSignTestIsTheUpperBinomialTail) {
  EXPECT_DOUBLE_EQ(sign_test_greater_p(5, 0), 1.0 / 32);
  EXPECT_NEAR(sign_test_greater_p(9, 1), 11.0 / 1024, 1e-12);
  EXPECT_NEAR(sign_test_greater_p(1, 9), 1023.0 / 1024, 1e-12) << "the other direction";
  EXPECT_DOUBLE_EQ(sign_test_greater_p(0, 0), 1.0);
}

TEST(Statistics, KendallTrendTestCountsOrderedPairsExactlyAndByMonteCarlo) {
  // Strictly increasing over 4 points: S = 6, only the identity permutation reaches it: p = 1/24.
  const auto up = kendall_trend_test({1, 2, 3, 4}, {0.1, 0.5, 0.7, INFINITY});
  EXPECT_EQ(up.points, 4);
  EXPECT_EQ(up.s, 6);
  EXPECT_DOUBLE_EQ(up.tau, 1.0);
  EXPECT_DOUBLE_EQ(up.p_increasing, 1.0 / 24);
  EXPECT_DOUBLE_EQ(up.p_decreasing, 1.0);
  // ±∞ rank as the extremes: strictly decreasing over 3 points, S = −3, p = 1/3! (3 points cannot reach 0.05).
  const auto down = kendall_trend_test({1, 2, 3}, {INFINITY, 2, -INFINITY});
  EXPECT_EQ(down.s, -3);
  EXPECT_DOUBLE_EQ(down.p_decreasing, 1.0 / 6);
  EXPECT_DOUBLE_EQ(down.p_increasing, 1.0);
  // Ties in y: {a, b, b, b, c} — 20 distinct arrangements; S = 7 only when a is first and c last.
  const auto tied = kendall_trend_test({4, 8, 12, 16, 20}, {-1, 1, 1, 1, INFINITY});
  EXPECT_EQ(tied.s, 7);
  EXPECT_NEAR(tied.p_increasing, 1.0 / 20, 1e-12);
  // NaN points are left out; one point gives no test.
  const auto one = kendall_trend_test({1, 2}, {NAN, 3});
  EXPECT_EQ(one.points, 1);
  EXPECT_DOUBLE_EQ(one.p_increasing, 1.0);
  // 10 increasing points: Monte Carlo; the exact p is 1/10! ≈ 2.8e-7, so no shuffle reaches S.
  std::vector<double> x, y;
  for (int i = 0; i < 10; ++i) x.push_back(i), y.push_back(i * i);
  const auto mc = kendall_trend_test(x, y);
  EXPECT_FALSE(mc.exact);
  EXPECT_EQ(mc.s, 45);
  EXPECT_DOUBLE_EQ(mc.p_increasing, 1.0 / (kTrendSamples + 1));
  EXPECT_THROW(kendall_trend_test({1, 2}, {1}), Error);
}

TEST(Statistics, SizeLawComparisonPicksTheLawThatFits) {
  // Powers of two over a linear length grid: the exponential fits exactly; the line leaves
  // RSS = 9.2 (score 4·ln(9.2/4) = 3.3316), the logarithm 18.93.
  const auto doubling = compare_size_laws({4, 6, 8, 10}, {2, 4, 8, 16});
  ASSERT_TRUE(doubling.valid());
  EXPECT_EQ(doubling.winner, SizeLaw::exponential);
  EXPECT_NEAR(doubling.fit(SizeLaw::linear).rss, 9.2, 1e-9);
  EXPECT_NEAR(doubling.fit(SizeLaw::linear).score, 3.331636, 1e-6);
  EXPECT_NEAR(doubling.fit(SizeLaw::exponential).b, std::log(2.0) / 2, 1e-12);
  EXPECT_GT(doubling.margin, 80);
  const auto line = compare_size_laws({4, 8, 12, 16}, {1, 2, 3, 4});
  EXPECT_EQ(line.winner, SizeLaw::linear);
  EXPECT_NEAR(line.fit(SizeLaw::linear).b, 0.25, 1e-12);
  EXPECT_NEAR(line.fit(SizeLaw::logarithmic).score, -12.059710, 1e-6);
  EXPECT_EQ(compare_size_laws({2, 4, 8, 16}, {1, 2, 3, 4}).winner, SizeLaw::logarithmic);
  // A staircase: linear −11.98, exponential −11.61, logarithmic −10.94 → a margin of 0.37.
  const auto stairs = compare_size_laws({4, 8, 12, 16}, {1, 1, 2, 2});
  EXPECT_EQ(stairs.winner, SizeLaw::linear);
  EXPECT_NEAR(stairs.margin, 0.372408, 1e-5);
  EXPECT_FALSE(compare_size_laws({4, 8}, {1, 2}).valid());
  EXPECT_FALSE(compare_size_laws({4, 4, 4}, {1, 2, 3}).valid());
  EXPECT_THROW(compare_size_laws({1, 2}, {1}), Error);
}

}  // namespace
}  // namespace fl
