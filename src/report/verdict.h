// Verdicts on the paper's claims (docs/SOURCES.md §3), computed from measured numbers by stated rules.
// Each rule is a small pure function: it returns the outcome, the rule in words (with the
// thresholds below) and a one-line "because" holding the numbers it used. Torch-free.
//
// Outcomes: supported (the numbers show what the claim says), not supported (they show
// otherwise), inconclusive (too few points, or the measurement cannot tell, e.g. the grid or the
// budget did not reach far enough). A verdict judges our measurement, not the theorem: a model
// that fails to learn a task does not refute a construction that exists.
//
// Rules (all thresholds are the constants below; accuracies are fractions in [0, 1], gaps are
// in percentage points; tests and intervals are core/statistics.h's, at α = kAlpha):
//  (a) verdict_linear_size_growth — "the smallest size reaching the target grows linearly with
//      the length": over the lengths that have a smallest size, compare_size_laws fits linear,
//      logarithmic and exponential laws and scores them by AICc (residuals in size units).
//      supported: ≥ kMinLawPoints lengths, none censored (every length has a smallest size), the
//      sizes grow (linear slope b > 0) and the linear law beats both others by ΔAICc ≥
//      kClearLawMargin. not supported: ≥ kMinLawPoints lengths, none censored, and the sizes do not
//      grow (b ≤ 0) or another law beats the linear one by ≥ kClearLawMargin. inconclusive
//      otherwise: too few lengths, a censored length (the grid's largest size did not reach the
//      target there), or no clear winner.
//  (b) verdict_consistently_better — "first beats second" over matched cells, each side an
//      AccuracyRuns (one accuracy per seed, its evaluation-example count): matched differences
//      first − second, one per cell and seed both sides ran (a cell with no common seed gives
//      one difference of the means), go into the two-sided paired sign-flip test, and their mean
//      gets a 95% t interval. supported: p < kAlpha and mean difference > 0; not supported: p <
//      kAlpha and mean difference < 0, or (non-superiority) the interval of the mean difference
//      ends below +kPracticalMargin — first is not better by a margin worth the name;
//      inconclusive otherwise (with fewer than 6 differences p cannot go below 0.05).
//  (b') verdict_sometimes_worse — "first is sometimes below second": per cell, first's 95%
//      interval (AccuracyRuns::interval95: Wilson for one run, t across seeds) entirely below
//      second's counts as a significant drop. supported: some cell has one, or the paired test of
//      (b) gives p < kAlpha with mean difference < 0; not supported: no cell has one and the
//      paired test gives p < kAlpha with mean difference > 0 (first significantly above);
//      inconclusive otherwise.
//  (c) verdict_growth — "y grows flat / linearly / quadratically in x": the log-log slope s of
//      y against x is in the expected band: flat |s| < kFlatBand; linear 1 − kGrowthBand ≤ s <
//      1 + kGrowthBand; quadratic likewise around 2 (core/statistics.h's growth_band, also used by cost_report.h's growth_label).
//      inconclusive with fewer than kMinFitPoints positive
//      points or x spanning less than a factor kMinRangeRatio; not supported otherwise.
//  (d) verdict_needs_more_samples — "the worse model needs more samples to reach the target
//      than the better one, sharply more as the maximum length L grows": per L and seed both ran,
//      the ratio worse/better of the samples to the target, with censoring (not reached within the
//      budget = more than any number reached): when only one side reached, ranks decide (ln ratio
//      +∞ when only the better one reached, −∞ when only the worse one did); runs neither reached
//      are left out. Per L the median ln ratio over those runs (a middle pair +∞, −∞ counts as 0).
//      Tests at kAlpha: (i) one-sided exact sign tests over all matched runs, ties left out:
//      p_more (the worse model needs more) and p_fewer (it needs fewer); (ii) Kendall's trend test
//      of every matched run's ln ratio against its L (ties in L and ±∞ ratios count by rank;
//      exact over the permutations up to kExactTrendPoints runs, else Monte Carlo,
//      core/statistics.h): p_grow (the disadvantage grows with L) and p_shrink (it shrinks).
//      "grows" = p_grow < kAlpha and the median ratio at the largest L is above 1.
//      supported: grows, or p_more < kAlpha without p_shrink < kAlpha (so "Mamba faster at the
//      short lengths, never reaching the target at the long ones" is supported through the trend).
//      not supported: not supported above, p_more ≥ kAlpha, and p_fewer < kAlpha or p_shrink <
//      kAlpha (the better model significantly needs more, or the disadvantage shrinks with L).
//      inconclusive otherwise (e.g. p_more and p_shrink both significant), with fewer than
//      kMinFitPoints lengths where some matched run reached the target, or when at more than half
//      of the common lengths no matched run of either model reached it (the budget censors both).
//  (e) verdict_construction — "the construction is exact / fails as the theory says": every
//      case expected exact has max error ≤ tolerance (default kCopyTolerance = the ε of docs/SOURCES.md §3)
//      and every case expected to fail has error > tolerance: supported; any mismatch: not
//      supported; no cases or a non-finite (NaN) error: inconclusive.
//  (f) verdict_locality — "a constant-size model solves the m-local DP in its local
//      (interleaved) form at every n, also beyond the training range (constant in T), while the
//      prefix form falls behind" (Theorems 5 and 4). Each n has AccuracyRuns per form (one
//      accuracy per seed) and says whether it lies beyond the largest trained n. Per n the local
//      form reaches the target when its mean over seeds is ≥ kAccuracyTarget, and is
//      significantly below it when its 95% interval (AccuracyRuns::interval95) ends below
//      kAccuracyTarget. The prefix form is behind at the largest n when its 95% interval lies
//      entirely below the local form's.
//      not supported: the local form is significantly below the target at some n (inside or
//      beyond the training range; the because-text says which). supported: the local form
//      reaches the target at every n, at least one n lies beyond the training range, and the
//      prefix form is behind at the largest n. inconclusive otherwise: an n where the local mean
//      is below the target but its interval still reaches it, no n beyond the training range
//      ("not tested by extrapolation"), the prefix form not behind yet; also with < 2 values of n
//      or a side without runs at some n.
//  (g) verdict_stays_accurate — "the model reaches the target at every size": each size has
//      AccuracyRuns (one accuracy per seed). supported when the mean over seeds reaches
//      kAccuracyTarget at every size; not supported when at some size the 95% interval
//      (AccuracyRuns::interval95) ends below kAccuracyTarget; inconclusive otherwise (a mean below
//      the target whose interval still reaches it), with no sizes or a size without runs.
//  (h) verdict_no_free_lunch — "a Mamba that solves the task costs as much as a Transformer (no
//      saving)": per family, the smallest model reaching kAccuracyTarget at each task size T, with its
//      state bytes at the end of one example and the total FLOPs of generating it (both NaN when the
//      size is censored: no model of the grid reached the target there). Over each family's
//      uncensored sizes, the exponents of state bytes and of total FLOPs against T (log-log
//      least-squares slopes) with their 95% t intervals (LinearFit::slope_interval95). Mamba's state
//      grows when its state exponent's interval lies above 0; Mamba saves when its cost exponent's
//      interval lies entirely below the Transformer's cost exponent.
//      inconclusive: fewer than kMinFitPoints uncensored Mamba sizes.
//      not supported: the state does not grow and no Mamba size is censored (a Mamba of one size
//      solves every size: a free lunch); or the state grows, the Transformer has ≥ kMinFitPoints
//      uncensored sizes, Mamba saves and no Mamba size is censored.
//      supported: the state grows, the Transformer has ≥ kMinFitPoints uncensored sizes, Mamba does
//      not save, and no Transformer size is censored.
//      inconclusive otherwise: too few Transformer sizes, or censoring decides — a censored Mamba
//      size (a larger Mamba than the grid's would be needed there, so its state may still grow and
//      its cost exponent rise) against a "not supported", a censored Transformer size (its exponent
//      may rise there) against a "supported".
//  combine_verdicts — several parts of one claim: supported when all are; not supported when
//      any is not; inconclusive otherwise.
#pragma once
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "core/statistics.h"

namespace fl {

constexpr double kAccuracyTarget = 0.95;  // "reaches": accuracy ≥ 95%
constexpr double kAlpha = 0.05;           // (b), (b'), (d) significance level of the tests
constexpr double kPracticalMargin = 0.05; // (b) "better" by less than 5 points is not better
constexpr int kMinLawPoints = 4;          // (a) lengths with a smallest size needed to compare laws
constexpr double kClearLawMargin = 4.0;   // (a) a law wins clearly when its AICc is ≥ 4 lower
constexpr int kMinFitPoints = 3;          // (c), (d), (h) fewer points/lengths/solved sizes → inconclusive
constexpr double kMinRangeRatio = 4.0;    // (c) x must span ≥ 4× (two octaves)
constexpr double kCopyTolerance = 1e-3;   // (e) docs/SOURCES.md §3: max-abs error ε

enum class ClaimOutcome { supported, not_supported, inconclusive };
const char* to_string(ClaimOutcome outcome);  // "supported", "not supported", "inconclusive"

struct ClaimVerdict {
  ClaimOutcome outcome = ClaimOutcome::inconclusive;
  std::string rule;     // the rule in words, with its thresholds
  std::string because;  // one line: the numbers the rule used
};

// (a) One length and the smallest size (e.g. d_state) whose accuracy reached kAccuracyTarget;
// NaN when no size in the grid reached it.
struct SizeAtLength {
  double length = 0, smallest_size = 0;
};
ClaimVerdict verdict_linear_size_growth(const std::vector<SizeAtLength>& points, const std::string& size_name);

// (b), (b') One matched cell (same size/task/length): each side's accuracy per seed.
struct PairedScore {
  std::string cell;
  AccuracyRuns first, second;
};
// A side with one run of `examples` evaluation examples (seed 1): for callers with one seed.
AccuracyRuns one_run(double accuracy, int64_t examples);
// The mean accuracy with its 95% interval (AccuracyRuns::interval95) in percent: "80.0% [49.0, 94.3]";
// "–" when there are no runs.
std::string interval_text(const AccuracyRuns& runs);
ClaimVerdict verdict_consistently_better(const std::vector<PairedScore>& cells, const std::string& first_name,
                                         const std::string& second_name);
ClaimVerdict verdict_sometimes_worse(const std::vector<PairedScore>& cells, const std::string& first_name,
                                     const std::string& second_name);

// (c)
// (GrowthLaw, growth_band and the bands kFlatBand, kGrowthBand: core/statistics.h)
ClaimVerdict verdict_growth(const std::vector<double>& x, const std::vector<double>& y, GrowthLaw expected,
                            const std::string& quantity);

// (d) Samples a model needed to reach kAccuracyTarget at one maximum length, one per seed
// (seeds[i] needed samples[i]; no seeds: runs are matched by position); NaN = not within the budget.
struct SamplesAtLength {
  double max_length = 0;
  std::vector<double> samples;
  std::vector<int64_t> seeds = {};
};
struct SampleCurve {
  std::string model;
  std::vector<SamplesAtLength> points;
};
ClaimVerdict verdict_needs_more_samples(const SampleCurve& worse, const SampleCurve& better, double budget);

// (e)
struct ConstructionCase {
  std::string name;
  double max_error = 0;
  bool expected_exact = true;
};
ClaimVerdict verdict_construction(const std::vector<ConstructionCase>& cases, double tolerance = kCopyTolerance);

// (f) One model at size n: its accuracy per seed on the local (interleaved) and prefix forms;
// beyond_training: n is above the largest size it was trained on (an extrapolation).
struct LocalityPoint {
  double n = 0;
  AccuracyRuns local, prefix;
  bool beyond_training = false;
};
ClaimVerdict verdict_locality(const std::vector<LocalityPoint>& points, const std::string& model);

// (g) Accuracy per seed at each size.
struct AccuracyAtSize {
  double size = 0;
  AccuracyRuns accuracy;
};
ClaimVerdict verdict_stays_accurate(const std::vector<AccuracyAtSize>& points, const std::string& what);

// (h) The smallest model of one family solving the task at size T: the state bytes at the end of
// one example and the total FLOPs of generating it; both NaN when censored (none reached the target).
struct SolvingPoint {
  double size = 0, state_bytes = NAN, total_flops = NAN;
  bool censored() const { return !std::isfinite(state_bytes) || !std::isfinite(total_flops); }
};
// A fit's slope with its 95% interval (LinearFit::slope_interval95): "1.02 [0.95, 1.09]"; "–" when invalid.
std::string slope_text(const LinearFit& fit);
ClaimVerdict verdict_no_free_lunch(const std::vector<SolvingPoint>& mamba, const std::vector<SolvingPoint>& transformer,
                                   const std::string& task);

ClaimVerdict combine_verdicts(const std::vector<ClaimVerdict>& parts);

}  // namespace fl
