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
// in percentage points):
//  (a) verdict_linear_size_growth — "the smallest size reaching the target grows linearly with
//      the length": least squares size = a + b·length over the lengths that have a smallest size.
//      supported: every length has one, b > 0 and R² ≥ kMinRSquared. inconclusive: fewer than
//      kMinFitPoints lengths have one, or some lengths have none (the grid's largest size did not
//      reach the target there: censored) while the fit passes or the data still grow (the sizes
//      found never fall with length and every censored length is longer than the found ones).
//      not supported: otherwise.
//  (b) verdict_consistently_better — "first beats second" over matched cells: supported when
//      first wins (strictly higher) in ≥ kMinWinShare of the cells and the mean gap is
//      ≥ kMinGapPoints; not supported when second wins in ≥ kRefuteWinShare of the cells;
//      inconclusive otherwise or with fewer than kMinFitPoints cells.
//  (b') verdict_sometimes_worse — "first is sometimes below second": supported when some cell
//      has second − first ≥ kMinGapPoints; not supported when none does over ≥ kMinFitPoints
//      cells; inconclusive with fewer cells.
//  (c) verdict_growth — "y grows flat / linearly / quadratically in x": the log-log slope s of
//      y against x is in the expected band: flat |s| < kFlatBand; linear 1 − kGrowthBand ≤ s <
//      1 + kGrowthBand; quadratic likewise around 2 (core/statistics.h's growth_band, also used by cost_report.h's growth_label).
//      inconclusive with fewer than kMinFitPoints positive
//      points or x spanning less than a factor kMinRangeRatio; not supported otherwise.
//  (d) verdict_needs_more_samples — "samples to reach the target grow faster with the maximum
//      length for the worse model": at the lengths both curves measured, if the worse model
//      never reached the target within the budget at some length where the better one did (and
//      never the reverse): supported; the reverse only: not supported; both: inconclusive.
//      Otherwise over ≥ kMinFitPoints lengths where both reached it, with power-law exponents
//      e_w, e_b (fit_log_log): supported when e_w − e_b ≥ kMinExponentGap and the worse model
//      needed more samples at the longest such length; not supported when e_w ≤ e_b or it
//      needed no more there; inconclusive otherwise.
//  (e) verdict_construction — "the construction is exact / fails as the theory says": every
//      case expected exact has max error ≤ tolerance (default kCopyTolerance = the ε of docs/SOURCES.md §3)
//      and every case expected to fail has error > tolerance: supported; any mismatch: not
//      supported; no cases or a non-finite (NaN) error: inconclusive.
//  (f) verdict_locality — "a constant-size model solves the m-local DP in its local
//      (interleaved) form at every n, while the prefix form falls behind as n grows"
//      (Theorems 5 and 4): not supported when the local accuracy is below kAccuracyTarget at some
//      n; supported when it is not and, at the largest n, local − prefix ≥ kMinGapPoints;
//      inconclusive otherwise (the prefix form has not fallen behind yet), with < 2 values of n
//      or a NaN (unmeasured) accuracy.
//  (g) verdict_stays_accurate — "the model reaches the target at every size": supported when
//      accuracy ≥ kAccuracyTarget at every size, not supported otherwise, inconclusive with no
//      sizes or a NaN accuracy.
//  combine_verdicts — several parts of one claim: supported when all are; not supported when
//      any is not; inconclusive otherwise.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/statistics.h"

namespace fl {

constexpr double kAccuracyTarget = 0.95;  // "reaches": accuracy ≥ 95%
constexpr double kMinRSquared = 0.8;      // (a) a line explains ≥ 80% of the variance
constexpr int kMinFitPoints = 3;          // (a)-(d) fewer points/cells → inconclusive
constexpr double kMinWinShare = 0.75;     // (b) first wins ≥ 75% of the cells …
constexpr double kMinGapPoints = 5.0;     // (b), (b'), (f) … by ≥ 5 percentage points
constexpr double kRefuteWinShare = 0.5;   // (b) second wins ≥ 50% → not supported
constexpr double kMinRangeRatio = 4.0;    // (c) x must span ≥ 4× (two octaves)
constexpr double kMinExponentGap = 0.5;   // (d) worse model's exponent ≥ better's + 0.5
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

// (b), (b') One matched cell (same size/task/length), accuracies of the two sides.
struct PairedScore {
  std::string cell;
  double first = 0, second = 0;
};
ClaimVerdict verdict_consistently_better(const std::vector<PairedScore>& cells, const std::string& first_name,
                                         const std::string& second_name);
ClaimVerdict verdict_sometimes_worse(const std::vector<PairedScore>& cells, const std::string& first_name,
                                     const std::string& second_name);

// (c)
// (GrowthLaw, growth_band and the bands kFlatBand, kGrowthBand: core/statistics.h)
ClaimVerdict verdict_growth(const std::vector<double>& x, const std::vector<double>& y, GrowthLaw expected,
                            const std::string& quantity);

// (d) Samples a model needed to reach kAccuracyTarget at one maximum length; NaN = not within the budget.
struct SamplesAtLength {
  double max_length = 0, samples = 0;
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

// (f) Accuracy of one model at size n on the local (interleaved) and prefix forms.
struct LocalityPoint {
  double n = 0, local_accuracy = 0, prefix_accuracy = 0;
};
ClaimVerdict verdict_locality(const std::vector<LocalityPoint>& points, const std::string& model);

// (g) Accuracy at each size.
struct AccuracyAtSize {
  double size = 0, accuracy = 0;
};
ClaimVerdict verdict_stays_accurate(const std::vector<AccuracyAtSize>& points, const std::string& what);

ClaimVerdict combine_verdicts(const std::vector<ClaimVerdict>& parts);

}  // namespace fl
