#include <gtest/gtest.h>

#include <cmath>
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

TEST(ClaimVerdict, LinearSizeGrowth) {
  const auto supported = verdict_linear_size_growth({{10, 4}, {20, 8}, {40, 16}, {80, 32}}, "d_state");
  EXPECT_EQ(supported.outcome, ClaimOutcome::supported);
  EXPECT_TRUE(mentions(supported, "slope 0.4 per token, R² = 1.00")) << supported.because;
  EXPECT_NE(supported.rule.find("R² ≥ 0.8"), std::string::npos) << supported.rule;
  EXPECT_EQ(verdict_linear_size_growth({{10, 8}, {20, 8}, {40, 8}}, "d_state").outcome, ClaimOutcome::not_supported)
      << "flat: slope 0";
  EXPECT_EQ(verdict_linear_size_growth({{10, 32}, {20, 4}, {40, 2}}, "d_state").outcome, ClaimOutcome::not_supported);
  // Near the R² threshold: Sxy²/(Sxx·Syy) = 81/100 passes, 16/25 does not.
  EXPECT_EQ(verdict_linear_size_growth({{1, 1}, {2, 2}, {3, 3}, {4, 5}, {5, 4}}, "N").outcome, ClaimOutcome::supported);
  EXPECT_EQ(verdict_linear_size_growth({{1, 1}, {2, 2}, {3, 4}, {4, 3}}, "N").outcome, ClaimOutcome::not_supported);
  const auto censored = verdict_linear_size_growth({{10, 4}, {20, 8}, {40, 16}, {80, NAN}}, "d_state");
  EXPECT_EQ(censored.outcome, ClaimOutcome::inconclusive) << "the grid stopped short at 80";
  EXPECT_TRUE(mentions(censored, "none reached 95% at length 80")) << censored.because;
  EXPECT_EQ(verdict_linear_size_growth({{10, 4}, {20, NAN}, {40, 16}}, "d_state").outcome, ClaimOutcome::inconclusive)
      << "only two lengths have a minimum";
  EXPECT_EQ(verdict_linear_size_growth({{10, 4}, {20, 8}, {40, 2}, {80, NAN}}, "d_state").outcome,
            ClaimOutcome::not_supported)
      << "the lengths that have a minimum already contradict the line";
  EXPECT_EQ(verdict_linear_size_growth({{4, 1}, {6, 1}, {8, 2}, {10, NAN}}, "d_state").outcome,
            ClaimOutcome::inconclusive)
      << "no line (R² 0.75), but the sizes grow and the grid ran out beyond them";
  EXPECT_EQ(verdict_linear_size_growth({{4, 1}, {6, NAN}, {8, 1}, {10, 2}}, "d_state").outcome,
            ClaimOutcome::not_supported)
      << "a shorter length without a minimum while longer ones have one: not growth";
}

TEST(ClaimVerdict, ConsistentlyBetterCountsWinsAndMeanGap) {
  const auto wide = verdict_consistently_better(
      {{"lis", 0.9, 0.6}, {"ed", 0.8, 0.7}, {"arith", 0.95, 0.5}, {"lis cot", 0.7, 0.65}}, "Transformer", "Mamba");
  EXPECT_EQ(wide.outcome, ClaimOutcome::supported);
  EXPECT_TRUE(mentions(wide, "Transformer more accurate in 4 of 4 cells, Mamba in 0; mean gap +22.5 points"))
      << wide.because;
  // Exactly 75% of the cells (3 of 4), mean gap 6.25 points: supported at the boundary.
  const std::vector<PairedScore> three_of_four{{"a", .6, .5}, {"b", .6, .5}, {"c", .6, .5}, {"d", .5, .55}};
  EXPECT_EQ(verdict_consistently_better(three_of_four, "T", "M").outcome, ClaimOutcome::supported);
  // 3 of 4 but only 1.25 points on average: not enough; Mamba wins 25% → inconclusive.
  const std::vector<PairedScore> small_gap{{"a", .52, .5}, {"b", .52, .5}, {"c", .52, .5}, {"d", .5, .51}};
  EXPECT_EQ(verdict_consistently_better(small_gap, "T", "M").outcome, ClaimOutcome::inconclusive);
  // 2 of 4 and a tie: neither side.
  const std::vector<PairedScore> tie{{"a", .9, .5}, {"b", .9, .5}, {"c", .5, .5}, {"d", .5, .6}};
  EXPECT_EQ(verdict_consistently_better(tie, "T", "M").outcome, ClaimOutcome::inconclusive);
  // Mamba more accurate in exactly half: not supported.
  const std::vector<PairedScore> half{{"a", .9, .5}, {"b", .9, .5}, {"c", .5, .6}, {"d", .5, .6}};
  EXPECT_EQ(verdict_consistently_better(half, "T", "M").outcome, ClaimOutcome::not_supported);
  EXPECT_EQ(verdict_consistently_better({{"a", .9, .1}, {"b", .9, .1}, {"c", NAN, .1}}, "T", "M").outcome,
            ClaimOutcome::inconclusive)
      << "two cells with both numbers are too few";
}

TEST(ClaimVerdict, SometimesWorse) {
  const std::vector<PairedScore> cells{{"lis n=6", .44, .5}, {"ed n=5", .8, .7}, {"arith n=3", .9, .9}};
  const auto v = verdict_sometimes_worse(cells, "Mamba CoT", "Mamba direct");
  EXPECT_EQ(v.outcome, ClaimOutcome::supported);
  EXPECT_TRUE(mentions(v, "Mamba CoT below Mamba direct in 1 of 3 cells: lis n=6 (-6.0)")) << v.because;
  const std::vector<PairedScore> close{{"a", .46, .5}, {"b", .8, .7}, {"c", .9, .9}};
  const auto none = verdict_sometimes_worse(close, "Mamba CoT", "Mamba direct");
  EXPECT_EQ(none.outcome, ClaimOutcome::not_supported) << "4 points below is within the 5-point margin";
  EXPECT_TRUE(mentions(none, "smallest gap Mamba CoT − Mamba direct -4.0 points over 3 cells")) << none.because;
  EXPECT_EQ(verdict_sometimes_worse({{"a", .46, .5}}, "C", "D").outcome, ClaimOutcome::inconclusive);
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

TEST(ClaimVerdict, NeedsMoreSamples) {
  const SampleCurve transformer{"Transformer", {{10, 1000}, {20, 2000}, {40, 4000}}};
  const SampleCurve mamba_fails{"Mamba", {{10, 3000}, {20, 20000}, {40, NAN}}};
  const auto fails = verdict_needs_more_samples(mamba_fails, transformer, 64000);
  EXPECT_EQ(fails.outcome, ClaimOutcome::supported);
  EXPECT_TRUE(
      mentions(fails, "Mamba did not reach 95% within 64,000 samples at max length 40 (Transformer needed 4,000)"))
      << fails.because;
  EXPECT_EQ(verdict_needs_more_samples(transformer, mamba_fails, 64000).outcome, ClaimOutcome::not_supported)
      << "the roles swapped: the model expected to do better is the one that failed";
  const SampleCurve both_fail{"Mamba", {{10, NAN}, {20, 500}, {40, 800}}};
  const SampleCurve other_fails{"Transformer", {{10, 100}, {20, NAN}, {40, 900}}};
  EXPECT_EQ(verdict_needs_more_samples(both_fail, other_fails, 1000).outcome, ClaimOutcome::inconclusive);
  const SampleCurve quadratic{"Mamba", {{40, 16000}, {10, 1000}, {20, 4000}}};  // any order
  const auto faster = verdict_needs_more_samples(quadratic, transformer, 64000);
  EXPECT_EQ(faster.outcome, ClaimOutcome::supported) << "exponent 2 vs 1";
  EXPECT_TRUE(mentions(faster, "exponents Mamba 2.00, Transformer 1.00 over lengths 10–40")) << faster.because;
  const SampleCurve slightly{"Mamba", {{10, 1000}, {20, 2300}, {40, 5280}}};  // exponent ≈ 1.2
  EXPECT_EQ(verdict_needs_more_samples(slightly, transformer, 64000).outcome, ClaimOutcome::inconclusive);
  EXPECT_EQ(verdict_needs_more_samples({"Mamba", transformer.points}, transformer, 64000).outcome,
            ClaimOutcome::not_supported)
      << "identical needs";
  EXPECT_EQ(verdict_needs_more_samples({"Mamba", {{10, 1000}, {20, 4000}}}, transformer, 64000).outcome,
            ClaimOutcome::inconclusive)
      << "two common lengths";
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

TEST(ClaimVerdict, LocalityAndStaysAccurate) {
  const std::vector<LocalityPoint> as_theory{{4, .99, .99}, {8, .98, .9}, {16, .97, .4}};
  const auto v = verdict_locality(as_theory, "Mamba");
  EXPECT_EQ(v.outcome, ClaimOutcome::supported);
  EXPECT_EQ(v.because, "Mamba: lowest local accuracy 97.0% at n = 16; at n = 16 local 97.0%, prefix 40.0% (+57.0 points)");
  EXPECT_EQ(verdict_locality({{4, .99, .99}, {16, .9, .4}}, "Mamba").outcome, ClaimOutcome::not_supported);
  EXPECT_EQ(verdict_locality({{4, .99, .99}, {16, .99, .97}}, "Mamba").outcome, ClaimOutcome::inconclusive)
      << "the prefix form has not fallen behind yet";
  EXPECT_EQ(verdict_locality({{4, .99, .2}}, "Mamba").outcome, ClaimOutcome::inconclusive);

  EXPECT_EQ(verdict_stays_accurate({{8, 1.0}, {16, 0.95}}, "Transformer").outcome, ClaimOutcome::supported)
      << "95% exactly reaches the target";
  const auto drop = verdict_stays_accurate({{8, 1.0}, {16, 0.94}}, "Transformer");
  EXPECT_EQ(drop.outcome, ClaimOutcome::not_supported);
  EXPECT_EQ(drop.because, "Transformer: lowest accuracy 94.0% at size 16 of 2 sizes");
  EXPECT_EQ(verdict_stays_accurate({}, "Transformer").outcome, ClaimOutcome::inconclusive);
  EXPECT_EQ(verdict_stays_accurate({{8, 1.0}, {16, NAN}}, "Transformer").outcome, ClaimOutcome::inconclusive);
  EXPECT_EQ(verdict_locality({{4, .99, .99}, {16, NAN, .4}}, "Mamba").outcome, ClaimOutcome::inconclusive)
      << "a missing accuracy is not a pass";
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
