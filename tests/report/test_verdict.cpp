#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <ostream>

#include "core/error.h"
#include "core/statistics.h"
#include "report/verdict.h"

namespace fl {

// Failure messages name the outcome instead of dumping its bytes.
inline void PrintTo(ClaimOutcome outcome, std::ostream* out) { *out << to_string(outcome); }

namespace {

bool mentions(const ClaimVerdict& v, const std::string& text) { return v.because.find(text) != std::string::npos; }

TEST(LinearFit, ExactLineNoisyPointsAndDegenerateInput) {
  const auto line = fit_line({1, 2, 3, 4}, {3, 5, 7, 9});
  EXPECT_EQ(line.points, 4);
  EXPECT_DOUBLE_EQ(line.slope, 2.0);
  EXPECT_DOUBLE_EQ(line.intercept, 1.0);
  EXPECT_DOUBLE_EQ(line.r_squared, 1.0);
  // x̄ = ȳ = 1, Sxx = 2, Sxy = 1 → slope 0.5; residuals −0.5, 1, −0.5 → R² = 1 − 1.5/2.
  const auto noisy = fit_line({0, 1, 2, NAN}, {0, 2, 1, 5});
  EXPECT_EQ(noisy.points, 3) << "the NaN point is skipped";
  EXPECT_DOUBLE_EQ(noisy.slope, 0.5);
  EXPECT_DOUBLE_EQ(noisy.r_squared, 0.25);
  EXPECT_DOUBLE_EQ(fit_line({1, 2, 3}, {4, 4, 4}).r_squared, 0.0) << "constant y: a line explains nothing";
  EXPECT_FALSE(fit_line({1}, {1}).valid());
  EXPECT_FALSE(fit_line({2, 2, 2}, {1, 2, 3}).valid());
  EXPECT_THROW(fit_line({1, 2}, {1}), Error);
  const auto power = fit_log_log({1, 2, 4, 8, 0}, {3, 12, 48, 192, 7});
  EXPECT_EQ(power.points, 4) << "x = 0 has no logarithm";
  EXPECT_NEAR(power.slope, 2.0, 1e-12);
  EXPECT_NEAR(std::exp(power.intercept), 3.0, 1e-12);
}

TEST(ClaimVerdict, LinearSizeGrowthMustBeatTheOtherLawsClearly) {
  const auto linear = verdict_linear_size_growth({{4, 1}, {8, 2}, {12, 3}, {16, 4}}, "d_state");
  EXPECT_EQ(linear.outcome, ClaimOutcome::supported) << linear.because;
  EXPECT_TRUE(mentions(linear, "linear slope 0.25 per token")) << linear.because;
  EXPECT_NE(linear.rule.find("ΔAICc ≥ 4"), std::string::npos) << linear.rule;
  // Powers of two on a linear length grid: a line has R² 0.92 here, but the exponential law wins.
  const auto doubling = verdict_linear_size_growth({{4, 2}, {6, 4}, {8, 8}, {10, 16}}, "d_state");
  EXPECT_EQ(doubling.outcome, ClaimOutcome::not_supported) << doubling.because;
  EXPECT_TRUE(mentions(doubling, "exponential wins by")) << doubling.because;
  EXPECT_EQ(verdict_linear_size_growth({{2, 1}, {4, 2}, {8, 3}, {16, 4}}, "N").outcome, ClaimOutcome::not_supported)
      << "logarithmic growth";
  EXPECT_EQ(verdict_linear_size_growth({{10, 8}, {20, 8}, {40, 8}, {80, 8}}, "N").outcome,
            ClaimOutcome::not_supported)
      << "flat: the sizes do not grow";
  // A staircase: linear leads by only 0.37.
  EXPECT_EQ(verdict_linear_size_growth({{4, 1}, {8, 1}, {12, 2}, {16, 2}}, "N").outcome, ClaimOutcome::inconclusive);
  const auto censored = verdict_linear_size_growth({{4, 1}, {8, 2}, {12, 3}, {16, 4}, {20, NAN}}, "d_state");
  EXPECT_EQ(censored.outcome, ClaimOutcome::inconclusive) << "the grid stopped short at 20";
  EXPECT_TRUE(mentions(censored, "none reached 95% at length 20")) << censored.because;
  EXPECT_EQ(verdict_linear_size_growth({{10, 4}, {20, 8}, {40, 16}}, "d_state").outcome, ClaimOutcome::inconclusive)
      << "three lengths are too few to tell the laws apart";
}

// One side of a matched cell: an accuracy per seed 1, 2, …, each over `examples` examples.
AccuracyRuns runs(std::vector<double> accuracies, int64_t examples = 64) {
  AccuracyRuns r;
  for (size_t i = 0; i < accuracies.size(); ++i) r.add(static_cast<int64_t>(i) + 1, accuracies[i], examples);
  return r;
}

TEST(ClaimVerdict, ConsistentlyBetterIsAPairedSignFlipTest) {
  // 3 cells × 3 seeds: 9 differences all positive → p = 2/512.
  std::vector<PairedScore> better;
  for (const char* cell : {"lis", "ed", "arith"}) better.push_back({cell, runs({.9, .8, .85}), runs({.6, .5, .7})});
  const auto v = verdict_consistently_better(better, "Transformer", "Mamba");
  EXPECT_EQ(v.outcome, ClaimOutcome::supported) << v.because;
  EXPECT_TRUE(mentions(v, "p = 0.00391 (exact, 9 matched differences, mean +25.0 points)")) << v.because;
  std::vector<PairedScore> worse = better;
  for (auto& c : worse) std::swap(c.first, c.second);
  EXPECT_EQ(verdict_consistently_better(worse, "Transformer", "Mamba").outcome, ClaimOutcome::not_supported);
  // One seed per cell, three cells: p ≥ 2/8 whatever the gaps: the data cannot decide.
  const std::vector<PairedScore> three{{"a", one_run(.9, 64), one_run(.1, 64)},
                                       {"b", one_run(.9, 64), one_run(.1, 64)},
                                       {"c", one_run(.9, 64), one_run(.1, 64)}};
  const auto few = verdict_consistently_better(three, "T", "M");
  EXPECT_EQ(few.outcome, ClaimOutcome::inconclusive) << few.because;
  EXPECT_TRUE(mentions(few, "p = 0.25")) << few.because;
  // Mixed signs: not significant.
  std::vector<PairedScore> mixed;
  for (int i = 0; i < 8; ++i) mixed.push_back({"c", one_run(i % 2 ? .6 : .5, 64), one_run(i % 2 ? .5 : .6, 64)});
  const auto undecided = verdict_consistently_better(mixed, "T", "M");
  EXPECT_EQ(undecided.outcome, ClaimOutcome::inconclusive) << undecided.because;
  EXPECT_TRUE(mentions(undecided, "mean difference 95% interval [-8.9, +8.9] points")) << undecided.because;
  // Level within a point in 9 matched runs: not significant, but the interval of the mean
  // difference ends below the 5-point margin, so "first is better" is refuted (non-superiority).
  std::vector<PairedScore> level;
  for (const char* cell : {"lis", "ed", "arith"}) level.push_back({cell, runs({.90, .91, .89}), runs({.90, .90, .90})});
  const auto same = verdict_consistently_better(level, "Transformer", "Mamba");
  EXPECT_EQ(same.outcome, ClaimOutcome::not_supported) << same.because;
  EXPECT_TRUE(mentions(same, "below the +5.0-point margin")) << same.because;
  EXPECT_EQ(verdict_consistently_better({}, "T", "M").because, "no matched cells");
}

TEST(ClaimVerdict, SometimesWorseNeedsSignificance) {
  // One cell where 64 examples separate the Wilson intervals: 30% [19.9, 41.8] vs 80% [68.3, 87.7] (19 and 51 of 64).
  const std::vector<PairedScore> drop{{"lis n=8", one_run(.3, 64), one_run(.8, 64)},
                                      {"ed n=4", one_run(.8, 64), one_run(.7, 64)}};
  const auto v = verdict_sometimes_worse(drop, "Mamba CoT", "Mamba direct");
  EXPECT_EQ(v.outcome, ClaimOutcome::supported) << v.because;
  EXPECT_TRUE(mentions(v, "entirely below Mamba direct in 1 of 2 cells: lis n=8 (30.0% [19.9, 41.8] vs 80.0% "
                          "[68.3, 87.7])"))
      << v.because;
  // 5 points lower on 64 examples: the intervals overlap, and two cells cannot make p < 0.05.
  const std::vector<PairedScore> small{{"a", one_run(.45, 64), one_run(.5, 64)}, {"b", one_run(.8, 64), one_run(.7, 64)}};
  EXPECT_EQ(verdict_sometimes_worse(small, "C", "D").outcome, ClaimOutcome::inconclusive);
  // Never below, and significantly above over 6 seeds: not supported.
  const std::vector<PairedScore> above{{"a", runs({.8, .82, .85, .8, .79, .81}), runs({.7, .74, .72, .7, .73, .75})}};
  const auto refuted = verdict_sometimes_worse(above, "C", "D");
  EXPECT_EQ(refuted.outcome, ClaimOutcome::not_supported) << refuted.because;
  // Small drops in every one of 6 seeds: no interval separates, the paired test does.
  const std::vector<PairedScore> consistent{{"a", runs({.7, .72, .71, .7, .69, .7}), runs({.74, .75, .73, .76, .72, .75})}};
  EXPECT_EQ(verdict_sometimes_worse(consistent, "C", "D").outcome, ClaimOutcome::supported);
  EXPECT_EQ(verdict_sometimes_worse({}, "C", "D").because, "no matched cells");
}
TEST(ClaimVerdict, GrowthBandsAndSlopes) {
  EXPECT_EQ(growth_band(-0.24), GrowthLaw::flat);
  EXPECT_EQ(growth_band(0.25), std::nullopt);
  EXPECT_EQ(growth_band(0.75), GrowthLaw::linear);
  EXPECT_EQ(growth_band(1.25), std::nullopt);
  EXPECT_EQ(growth_band(1.75), GrowthLaw::quadratic);
  EXPECT_EQ(growth_band(2.3), std::nullopt);
  const std::vector<double> t{64, 256, 1024, 4096, 16384};
  std::vector<double> flat, linear, quadratic;
  for (double x : t) flat.push_back(5.0 + (x == 1024 ? 0.1 : 0.0)), linear.push_back(3 * x), quadratic.push_back(x * x);
  EXPECT_EQ(verdict_growth(t, flat, GrowthLaw::flat, "Mamba ms per token vs t").outcome, ClaimOutcome::supported);
  const auto lin = verdict_growth(t, linear, GrowthLaw::linear, "KV bytes vs t");
  EXPECT_EQ(lin.outcome, ClaimOutcome::supported);
  EXPECT_TRUE(mentions(lin, "KV bytes vs t: slope 1.00 (linear) over 64–16,384, 5 points; expected linear"))
      << lin.because;
  EXPECT_EQ(verdict_growth(t, quadratic, GrowthLaw::quadratic, "total FLOPs vs T").outcome, ClaimOutcome::supported);
  EXPECT_EQ(verdict_growth(t, linear, GrowthLaw::flat, "Mamba ms per token").outcome, ClaimOutcome::not_supported);
  EXPECT_EQ(verdict_growth({1, 2, 3}, {1, 2, 3}, GrowthLaw::linear, "y").outcome, ClaimOutcome::inconclusive)
      << "x spans only 3×";
  EXPECT_EQ(verdict_growth({1, 100, 1000}, {1, 100, 0}, GrowthLaw::linear, "y").outcome, ClaimOutcome::inconclusive)
      << "two positive points";
}

// Curves over the lengths `lengths`, 3 seeds each; samples(L, seed) per model (NaN: not reached).
SampleCurve curve(const std::string& model, const std::vector<double>& lengths,
                  const std::function<double(double, int)>& samples) {
  SampleCurve c{model, {}};
  for (double L : lengths) c.points.push_back({L, {samples(L, 1), samples(L, 2), samples(L, 3)}, {1, 2, 3}});
  return c;
}

TEST(ClaimVerdict, NeedsMoreSamplesEverywhereIsSupportedAndTheReverseNot) {
  // 5 lengths × 3 seeds; Mamba needs 3× more everywhere (one run censored at L = 20): 15 of 15
  // runs more, one-sided p_more = 1/2^15; the ratio is level across L (no trend).
  const std::vector<double> lengths{4, 8, 12, 16, 20};
  const auto transformer = curve("Transformer", lengths, [](double L, int s) { return (90 + 10 * s) * L; });
  const auto mamba =
      curve("Mamba", lengths, [](double L, int s) { return L == 20 && s == 1 ? NAN : 3 * (90 + 10 * s) * L; });
  const auto v = verdict_needs_more_samples(mamba, transformer, 64000);
  EXPECT_EQ(v.outcome, ClaimOutcome::supported) << v.because;
  EXPECT_TRUE(mentions(v, "15 more, 0 fewer, p_more = 3.05e-05")) << v.because;
  EXPECT_TRUE(mentions(v, "4: ×3.00 (3 more, 0 fewer)")) << v.because;
  // The Transformer is the one needing more at every length: p_fewer = 1/2^15, no growth.
  const auto reversed = verdict_needs_more_samples(transformer, mamba, 64000);
  EXPECT_EQ(reversed.outcome, ClaimOutcome::not_supported) << reversed.because;
}

TEST(ClaimVerdict, NeedsMoreSamplesFasterShortButNeverLongIsSupportedByTheTrend) {
  // The paper's pattern: Mamba reaches 95% with fewer samples than the Transformer at the short
  // lengths and never at the long ones. Over all runs Mamba needs *fewer* more often (18 fewer, 6
  // more: p_fewer = 0.011), so a count of runs alone would say "not supported"; the ratio grows
  // with L (Kendall's S over the 24 runs = 243: every pair of runs at different lengths concordant
  // except the censored pairs at 35 and 40, tied; Monte Carlo p_grow = 1/(10⁵ + 1)): supported.
  const std::vector<double> lengths{5, 10, 15, 20, 25, 30, 35, 40};
  const auto transformer = curve("Transformer", lengths, [](double L, int) { return 100 * L; });
  const auto mamba = curve("Mamba", lengths, [](double L, int) { return L >= 35 ? NAN : (40 + 1.5 * L) * L; });
  const auto v = verdict_needs_more_samples(mamba, transformer, 64000);
  EXPECT_EQ(v.outcome, ClaimOutcome::supported) << v.because;
  EXPECT_TRUE(mentions(v, "6 more, 18 fewer")) << v.because;
  EXPECT_TRUE(mentions(v, "trend over 24 runs: Kendall S = 243, p_grow = 1e-05")) << v.because;
  EXPECT_TRUE(mentions(v, "40: only Transformer reached the target (3 more, 0 fewer)")) << v.because;
  // Mamba faster at four lengths and failing only at the longest, its advantage not shrinking
  // steadily: one length does not decide (12 fewer, 3 more: p_fewer = 0.018; S = −2).
  // Ratios 0.8, 0.5, 0.4, 0.3 at L = 4 … 16, censored at 20.
  const auto t5 = curve("Transformer", {4, 8, 12, 16, 20}, [](double L, int s) { return (90 + 10 * s) * L; });
  const auto one_bad = curve("Mamba", {4, 8, 12, 16, 20}, [](double L, int s) {
    const double ratio = L == 4 ? 0.8 : L == 8 ? 0.5 : L == 12 ? 0.4 : L == 16 ? 0.3 : NAN;
    return ratio * (90 + 10 * s) * L;
  });
  const auto one = verdict_needs_more_samples(one_bad, t5, 64000);
  EXPECT_EQ(one.outcome, ClaimOutcome::not_supported) << one.because;
}

TEST(ClaimVerdict, NeedsMoreSamplesInconclusiveWhenCensoredOrTooFew) {
  // One seed each: Mamba needs more at 4 of 5 lengths (p_more = 6/32), the ratio at the 5 lengths
  // ½, 2, 2, 2, 2 (S = 4, p_grow = 1/5): neither test significant.
  const SampleCurve t1{"T", {{4, {100}}, {8, {200}}, {12, {300}}, {16, {400}}, {20, {500}}}};
  const SampleCurve m1{"M", {{4, {50}}, {8, {400}}, {12, {600}}, {16, {800}}, {20, {1000}}}};
  const auto few = verdict_needs_more_samples(m1, t1, 1000);
  EXPECT_EQ(few.outcome, ClaimOutcome::inconclusive) << few.because;
  EXPECT_EQ(verdict_needs_more_samples({"M", {{4, {50}}, {8, {400}}}}, t1, 1000).outcome,
            ClaimOutcome::inconclusive)
      << "two common lengths";
  // The budget censors both models at 3 of 5 lengths (Mamba needs more where anything was reached).
  const std::vector<double> lengths{4, 8, 12, 16, 20};
  const auto tc = curve("Transformer", lengths, [](double L, int) { return L > 8 ? NAN : 100 * L; });
  const auto mc = curve("Mamba", lengths, [](double L, int) { return L > 8 ? NAN : 300 * L; });
  const auto censored = verdict_needs_more_samples(mc, tc, 1000);
  EXPECT_EQ(censored.outcome, ClaimOutcome::inconclusive) << censored.because;
  EXPECT_TRUE(mentions(censored, "only 2 lengths where some matched run reached 95%")) << censored.because;
  const auto tc4 = curve("Transformer", {4, 8, 12, 16, 20, 24, 28}, [](double L, int) { return L > 12 ? NAN : 100 * L; });
  const auto mc4 = curve("Mamba", {4, 8, 12, 16, 20, 24, 28}, [](double L, int) { return L > 12 ? NAN : 300 * L; });
  const auto mostly = verdict_needs_more_samples(mc4, tc4, 1000);
  EXPECT_EQ(mostly.outcome, ClaimOutcome::inconclusive) << mostly.because;
  EXPECT_TRUE(mentions(mostly, "neither model reached 95% within the budget at 4 of 7 lengths")) << mostly.because;
}

TEST(ClaimVerdict, ConstructionAgainstTolerance) {
  const std::vector<ConstructionCase> as_theory{
      {"Mamba N = L, L = 64", 2e-7, true}, {"Mamba N = 4, L = 64", 0.8, false}, {"at ε exactly", 1e-3, true}};
  const auto ok = verdict_construction(as_theory);
  EXPECT_EQ(ok.outcome, ClaimOutcome::supported);
  EXPECT_EQ(ok.because,
            "all 3 cases as expected; largest error of the exact cases 0.001; smallest error of the failing cases 0.8");
  auto inexact = as_theory;
  inexact[0].max_error = 2e-3;
  const auto v = verdict_construction(inexact);
  EXPECT_EQ(v.outcome, ClaimOutcome::not_supported);
  EXPECT_TRUE(mentions(v, "Mamba N = L, L = 64 (error 0.002, expected exact)")) << v.because;
  auto unexpectedly_exact = as_theory;
  unexpectedly_exact[1].max_error = 1e-4;
  EXPECT_EQ(verdict_construction(unexpectedly_exact).outcome, ClaimOutcome::not_supported);
  auto unmeasured = as_theory;
  unmeasured[1].max_error = NAN;
  EXPECT_EQ(verdict_construction(unmeasured).outcome, ClaimOutcome::inconclusive);
  EXPECT_EQ(verdict_construction({}).outcome, ClaimOutcome::inconclusive);
  const auto loose = verdict_construction({{"loose", 0.05, true}}, 0.1);
  EXPECT_EQ(loose.outcome, ClaimOutcome::supported) << "own tolerance";
  EXPECT_EQ(loose.because, "all 1 cases as expected; largest error of the exact cases 0.05");
  EXPECT_EQ(verdict_construction({{"N = 2, L = 64", 0.3, false}}).because,
            "all 1 cases as expected; smallest error of the failing cases 0.3");
}

// Three seeds of `examples` evaluation examples, all at `accuracy`.
AccuracyRuns seeds3(double accuracy, int64_t examples = 64) {
  AccuracyRuns runs;
  for (int64_t seed : {1, 2, 3}) runs.add(seed, accuracy, examples);
  return runs;
}

TEST(ClaimVerdict, LocalityHoldsBeyondTheTrainingRangeWhileThePrefixFallsBehind) {
  // Trained on n ≤ 8, evaluated to 16; 3 seeds × 64 examples (pooled Wilson intervals).
  const std::vector<LocalityPoint> as_theory{{4, seeds3(1.0), seeds3(1.0), false},
                                             {8, seeds3(0.98), seeds3(0.9), false},
                                             {16, seeds3(0.97), seeds3(0.4), true}};
  const auto v = verdict_locality(as_theory, "Mamba");
  EXPECT_EQ(v.outcome, ClaimOutcome::supported) << v.because;
  EXPECT_TRUE(mentions(v, "beyond the training range (n = 16) the local form holds")) << v.because;
  EXPECT_TRUE(mentions(v, "(prefix behind)")) << v.because;
  // The same numbers without an n beyond the training range: constancy is not tested.
  auto inside = as_theory;
  inside[2].beyond_training = false;
  const auto untested = verdict_locality(inside, "Mamba");
  EXPECT_EQ(untested.outcome, ClaimOutcome::inconclusive) << untested.because;
  EXPECT_TRUE(mentions(untested, "no evaluated n beyond the training range: constancy not tested by extrapolation"))
      << untested.because;
  // The prefix form 5 points behind on 64 examples: the intervals overlap, not behind yet.
  auto close = as_theory;
  close[2].prefix = seeds3(0.92);
  EXPECT_EQ(verdict_locality(close, "Mamba").outcome, ClaimOutcome::inconclusive);
}

TEST(ClaimVerdict, LocalityFailsWhenTheLocalFormIsSignificantlyBelowTheTarget) {
  // Beyond the training range the local form drops to 60%: its interval ends far below 95%.
  const std::vector<LocalityPoint> drops{{4, seeds3(1.0), seeds3(0.9), false}, {16, seeds3(0.6), seeds3(0.1), true}};
  const auto v = verdict_locality(drops, "Mamba");
  EXPECT_EQ(v.outcome, ClaimOutcome::not_supported) << v.because;
  EXPECT_TRUE(mentions(v, "significantly below 95% at n = 16 (beyond training)")) << v.because;
  EXPECT_TRUE(mentions(v, "the local form does not hold")) << v.because;
  // 90% on one run of 10 examples: below 95% on average but the Wilson interval [59.6, 98.2]
  // reaches it: inconclusive, not a failure.
  const std::vector<LocalityPoint> noisy{{4, one_run(1.0, 10), one_run(0.1, 10), false},
                                         {16, one_run(0.9, 10), one_run(0.0, 10), true}};
  const auto n = verdict_locality(noisy, "Mamba");
  EXPECT_EQ(n.outcome, ClaimOutcome::inconclusive) << n.because;
  EXPECT_TRUE(mentions(n, "below 95% on average but not significantly at n = 16")) << n.because;
  EXPECT_EQ(verdict_locality({{4, seeds3(0.99), seeds3(0.2), true}}, "Mamba").outcome, ClaimOutcome::inconclusive)
      << "one value of n";
  EXPECT_EQ(verdict_locality({{4, seeds3(0.99), seeds3(0.99)}, {16, {}, seeds3(0.4), true}}, "Mamba").outcome,
            ClaimOutcome::inconclusive)
      << "a missing accuracy is not a pass";
}

TEST(ClaimVerdict, StaysAccurateDecidesWithIntervals) {
  EXPECT_EQ(verdict_stays_accurate({{8, seeds3(1.0)}, {16, seeds3(0.96)}}, "Transformer").outcome,
            ClaimOutcome::supported)
      << "every mean reaches 95%";
  // 50% of 3 × 64 examples: the interval ends far below 95%.
  const auto drop = verdict_stays_accurate({{8, seeds3(1.0)}, {16, seeds3(0.5)}}, "Transformer");
  EXPECT_EQ(drop.outcome, ClaimOutcome::not_supported) << drop.because;
  EXPECT_TRUE(mentions(drop, "Transformer: lowest 50.0% [")) << drop.because;
  EXPECT_TRUE(mentions(drop, "significantly below 95% at size 16")) << drop.because;
  // Mean 94.7%, just under the target, but its interval still reaches it: the data cannot tell.
  const auto close = verdict_stays_accurate({{8, seeds3(1.0)}, {16, runs({1.0, 0.9, 0.94})}}, "Transformer");
  EXPECT_EQ(close.outcome, ClaimOutcome::inconclusive) << close.because;
  EXPECT_TRUE(mentions(close, "below 95% on average but not significantly at size 16")) << close.because;
  EXPECT_EQ(verdict_stays_accurate({}, "Transformer").outcome, ClaimOutcome::inconclusive);
  EXPECT_EQ(verdict_stays_accurate({{8, seeds3(1.0)}, {16, {}}}, "Transformer").outcome, ClaimOutcome::inconclusive)
      << "a size without runs is not a pass";
}

// Smallest solving models at T = 4, 8, 16, 32: state bytes c·T^state_exponent and total FLOPs
// c·T^cost_exponent, each times a fixed wobble (±10%) so the slopes' intervals have a width.
std::vector<SolvingPoint> solving(double state_exponent, double cost_exponent, std::vector<double> censored = {}) {
  const double wobble[] = {1.0, 1.1, 0.9, 1.05};
  std::vector<SolvingPoint> points;
  for (int i = 0; i < 4; ++i) {
    const double T = 4 << i;
    points.push_back({T, 2048 * std::pow(T, state_exponent) * (state_exponent == 0 ? 1 : wobble[i]),
                      1e5 * std::pow(T, cost_exponent) * wobble[3 - i]});
  }
  for (double T : censored) points.push_back({T, NAN, NAN});
  return points;
}

TEST(ClaimVerdict, NoFreeLunchNeedsAGrowingStateAndNoSaving) {
  // Mamba's state grows like T and its cost like T², as the Transformer's: no saving.
  const auto no_saving = verdict_no_free_lunch(solving(1, 2), solving(1, 2), "copy");
  EXPECT_EQ(no_saving.outcome, ClaimOutcome::supported) << no_saving.because;
  EXPECT_TRUE(mentions(no_saving, "Mamba solves at 4 sizes (T = 4, 8, 16, 32)")) << no_saving.because;
  EXPECT_TRUE(mentions(no_saving, "no saving")) << no_saving.because;
  // A censored Mamba size only strengthens "no saving".
  EXPECT_EQ(verdict_no_free_lunch(solving(1, 2, {64}), solving(1, 2), "copy").outcome, ClaimOutcome::supported);

  // One Mamba size solves every T: its state is constant — a free lunch.
  const auto free_lunch = verdict_no_free_lunch(solving(0, 1), solving(1, 2), "copy");
  EXPECT_EQ(free_lunch.outcome, ClaimOutcome::not_supported) << free_lunch.because;
  EXPECT_TRUE(mentions(free_lunch, "state exponent 0.00 [0.00, 0.00]")) << free_lunch.because;
  EXPECT_TRUE(mentions(free_lunch, "a free lunch")) << free_lunch.because;
  // The state grows, but the total cost grows clearly slower than the Transformer's: a saving.
  const auto saving = verdict_no_free_lunch(solving(1, 1), solving(1, 2), "copy");
  EXPECT_EQ(saving.outcome, ClaimOutcome::not_supported) << saving.because;
  EXPECT_TRUE(mentions(saving, "a saving")) << saving.because;

  // Too few solved sizes; the censoring could change the outcome; no Transformer to compare with.
  auto two = solving(1, 2);
  two.resize(2);
  EXPECT_EQ(verdict_no_free_lunch(two, solving(1, 2), "copy").outcome, ClaimOutcome::inconclusive);
  const auto censored_mamba = verdict_no_free_lunch(solving(0, 1, {64}), solving(1, 2), "copy");
  EXPECT_EQ(censored_mamba.outcome, ClaimOutcome::inconclusive) << censored_mamba.because;
  EXPECT_TRUE(mentions(censored_mamba, "censored at 64")) << censored_mamba.because;
  EXPECT_EQ(verdict_no_free_lunch(solving(1, 1, {64}), solving(1, 2), "copy").outcome, ClaimOutcome::inconclusive);
  EXPECT_EQ(verdict_no_free_lunch(solving(1, 2), solving(1, 2, {64}), "copy").outcome, ClaimOutcome::inconclusive)
      << "the Transformer's exponent could rise where it did not solve";
  EXPECT_EQ(verdict_no_free_lunch(solving(1, 2), two, "copy").outcome, ClaimOutcome::inconclusive);
}

TEST(ClaimVerdict, CombineTakesTheWeakestPart) {
  const ClaimVerdict yes{ClaimOutcome::supported, "rule A", "a"}, maybe{ClaimOutcome::inconclusive, "rule B", "b"},
      no{ClaimOutcome::not_supported, "rule C", "c"};
  EXPECT_EQ(combine_verdicts({yes, yes}).outcome, ClaimOutcome::supported);
  EXPECT_EQ(combine_verdicts({yes, maybe}).outcome, ClaimOutcome::inconclusive);
  const auto refuted = combine_verdicts({maybe, no, yes});
  EXPECT_EQ(refuted.outcome, ClaimOutcome::not_supported);
  EXPECT_EQ(refuted.because, "(1) inconclusive: b; (2) not supported: c; (3) supported: a");
  EXPECT_NE(refuted.rule.find("(2) rule C"), std::string::npos);
  EXPECT_EQ(combine_verdicts({}).outcome, ClaimOutcome::inconclusive);
  EXPECT_STREQ(to_string(ClaimOutcome::not_supported), "not supported");
}

}  // namespace
}  // namespace fl
