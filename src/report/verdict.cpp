#include "report/verdict.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/statistics.h"
#include "render/table.h"

namespace fl {
namespace {

// Whole numbers as "12,000"; others with three significant digits ("0.95", "2.1e-07").
std::string num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return with_commas(static_cast<int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}
std::string threshold_percent(double fraction) {  // "95%"
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%%", 100.0 * fraction);
  return buf;
}
std::string signed_points(double gap_points) {  // signed percentage points
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f", gap_points);
  return buf;
}
std::string two_decimals(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}
std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}
ClaimVerdict make(ClaimOutcome outcome, std::string rule, std::string because) {
  return {outcome, std::move(rule), std::move(because)};
}
std::string target_text() { return threshold_percent(kAccuracyTarget); }  // "95%"

}  // namespace

const char* to_string(ClaimOutcome outcome) {
  switch (outcome) {
    case ClaimOutcome::supported: return "supported";
    case ClaimOutcome::not_supported: return "not supported";
    case ClaimOutcome::inconclusive: return "inconclusive";
  }
  return "inconclusive";
}

ClaimVerdict verdict_linear_size_growth(const std::vector<SizeAtLength>& points, const std::string& size_name) {
  const std::string rule = "least-squares line " + size_name + " = a + b·length through the smallest " + size_name +
                           " reaching " + target_text() +
                           " at each length; supported when every length has one, b > 0 and R² ≥ " + num(kMinRSquared) +
                           "; inconclusive when fewer than " + num(kMinFitPoints) +
                           " lengths have one, or some lengths have none (the grid stopped short) while the line passes "
                           "or the sizes found never fall as the length grows and every length without one is longer "
                           "than those with one; not supported otherwise";
  std::vector<double> lengths, sizes;
  std::vector<std::string> found, missing;
  for (const auto& p : points) {
    if (std::isfinite(p.smallest_size)) {
      lengths.push_back(p.length), sizes.push_back(p.smallest_size);
      found.push_back(num(p.smallest_size) + " at " + num(p.length));
    } else {
      missing.push_back(num(p.length));
    }
  }
  const std::string none_at =
      missing.empty() ? "" : "; none reached " + target_text() + " at length " + join(missing, ", ");
  if (static_cast<int>(lengths.size()) < kMinFitPoints)
    return make(ClaimOutcome::inconclusive, rule,
                num(lengths.size()) + " of " + num(points.size()) + " lengths have a smallest " + size_name + none_at);
  const LinearFit fit = fit_line(lengths, sizes);
  if (!fit.valid()) return make(ClaimOutcome::inconclusive, rule, "every point has the same length" + none_at);
  const bool line_passes = fit.slope > 0 && fit.r_squared >= kMinRSquared;
  // Censored data that still grow: sizes found never fall with length, and the grid ran out only beyond them.
  bool growing_then_censored = !missing.empty();
  double longest_found = -INFINITY, previous_size = -INFINITY;
  std::vector<SizeAtLength> by_length = points;
  std::sort(by_length.begin(), by_length.end(),
            [](const SizeAtLength& a, const SizeAtLength& b) { return a.length < b.length; });
  for (const auto& p : by_length) {
    if (!std::isfinite(p.smallest_size)) continue;
    growing_then_censored = growing_then_censored && p.smallest_size >= previous_size;
    previous_size = p.smallest_size, longest_found = p.length;
  }
  for (const auto& p : by_length)
    if (!std::isfinite(p.smallest_size)) growing_then_censored = growing_then_censored && p.length > longest_found;
  const ClaimOutcome outcome = missing.empty()                           ? (line_passes ? ClaimOutcome::supported
                                                                                        : ClaimOutcome::not_supported)
                               : line_passes || growing_then_censored ? ClaimOutcome::inconclusive
                                                                       : ClaimOutcome::not_supported;
  return make(outcome, rule,
              "smallest " + size_name + " " + join(found, ", ") + ": slope " + num(fit.slope) +
                  " per token, R² = " + two_decimals(fit.r_squared) + none_at);
}

ClaimVerdict verdict_consistently_better(const std::vector<PairedScore>& cells, const std::string& first_name,
                                         const std::string& second_name) {
  const std::string rule = "over matched cells, supported when " + first_name + " is more accurate in ≥ " +
                           threshold_percent(kMinWinShare) + " of them and by ≥ " + num(kMinGapPoints) +
                           " points on average; not supported when " + second_name + " is more accurate in ≥ " +
                           threshold_percent(kRefuteWinShare) + "; inconclusive otherwise or with fewer than " +
                           num(kMinFitPoints) + " cells";
  int64_t n = 0, first_wins = 0, second_wins = 0;
  double gap_sum = 0;
  for (const auto& c : cells) {
    if (!std::isfinite(c.first) || !std::isfinite(c.second)) continue;
    ++n, gap_sum += 100.0 * (c.first - c.second);
    first_wins += c.first > c.second, second_wins += c.second > c.first;
  }
  if (n < kMinFitPoints) return make(ClaimOutcome::inconclusive, rule, "only " + num(n) + " matched cells");
  const double mean_gap = gap_sum / n;
  const double first_share = double(first_wins) / n, second_share = double(second_wins) / n;
  const ClaimOutcome outcome = first_share >= kMinWinShare && mean_gap >= kMinGapPoints ? ClaimOutcome::supported
                               : second_share >= kRefuteWinShare                        ? ClaimOutcome::not_supported
                                                                                        : ClaimOutcome::inconclusive;
  return make(outcome, rule,
              first_name + " more accurate in " + num(first_wins) + " of " + num(n) + " cells, " + second_name +
                  " in " + num(second_wins) + "; mean gap " + signed_points(mean_gap) + " points");
}

ClaimVerdict verdict_sometimes_worse(const std::vector<PairedScore>& cells, const std::string& first_name,
                                     const std::string& second_name) {
  const std::string rule = "supported when in some matched cell " + first_name + " is ≥ " + num(kMinGapPoints) +
                           " points below " + second_name + "; not supported when in none of ≥ " + num(kMinFitPoints) +
                           " cells; inconclusive with fewer cells";
  int64_t n = 0;
  std::vector<std::string> worse;
  double smallest_gap = INFINITY;  // first − second, in points
  for (const auto& c : cells) {
    if (!std::isfinite(c.first) || !std::isfinite(c.second)) continue;
    ++n;
    const double gap = 100.0 * (c.first - c.second);
    smallest_gap = std::min(smallest_gap, gap);
    if (-gap >= kMinGapPoints) worse.push_back(c.cell + " (" + signed_points(gap) + ")");
  }
  if (!worse.empty())
    return make(ClaimOutcome::supported, rule,
                first_name + " below " + second_name + " in " + num(worse.size()) + " of " + num(n) +
                    " cells: " + join(worse, ", "));
  const std::string because = n == 0 ? "no matched cells"
                                     : "smallest gap " + first_name + " − " + second_name + " " +
                                           signed_points(smallest_gap) + " points over " + num(n) + " cells";
  return make(n < kMinFitPoints ? ClaimOutcome::inconclusive : ClaimOutcome::not_supported, rule, because);
}

ClaimVerdict verdict_growth(const std::vector<double>& x, const std::vector<double>& y, GrowthLaw expected,
                            const std::string& quantity) {
  const std::string rule = "log-log least-squares slope s of " + quantity + "; flat |s| < " + num(kFlatBand) +
                           ", linear " + num(1 - kGrowthBand) + " ≤ s < " + num(1 + kGrowthBand) + ", quadratic " +
                           num(2 - kGrowthBand) + " ≤ s < " + num(2 + kGrowthBand) + "; supported when s is in the " +
                           to_string(expected) + " band; inconclusive with fewer than " + num(kMinFitPoints) +
                           " positive points or a range under " + num(kMinRangeRatio) + "×; not supported otherwise";
  const LinearFit fit = fit_log_log(x, y);
  double lo = INFINITY, hi = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i)
    if (x[i] > 0 && y[i] > 0 && std::isfinite(x[i]) && std::isfinite(y[i]))
      lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
  if (fit.points < kMinFitPoints)
    return make(ClaimOutcome::inconclusive, rule, quantity + ": only " + num(fit.points) + " positive points");
  if (hi / lo < kMinRangeRatio)
    return make(ClaimOutcome::inconclusive, rule, quantity + ": x spans only " + num(lo) + "–" + num(hi));
  const auto band = growth_band(fit.slope);
  return make(band == expected ? ClaimOutcome::supported : ClaimOutcome::not_supported, rule,
              quantity + ": slope " + two_decimals(fit.slope) + " (" + (band ? to_string(*band) : "in no band") +
                  ") over " + num(lo) + "–" + num(hi) + ", " + num(fit.points) + " points; expected " +
                  to_string(expected));
}

ClaimVerdict verdict_needs_more_samples(const SampleCurve& worse, const SampleCurve& better, double budget) {
  const std::string w = worse.model, b = better.model;
  const std::string rule = "at the maximum lengths both were trained on: supported when " + w + " never reached " +
                           target_text() + " within the budget at a length where " + b +
                           " did (and never the reverse); not supported for the "
                           "reverse; inconclusive for both. Otherwise, over ≥ " +
                           num(kMinFitPoints) +
                           " lengths both reached, power-law exponents e of samples vs length: supported when e(" + w +
                           ") ≥ e(" + b + ") + " + num(kMinExponentGap) + " and " + w +
                           " needed more at the longest; not supported when e(" + w + ") ≤ e(" + b +
                           ") or it needed no more there; inconclusive otherwise";
  std::vector<std::string> worse_fails, better_fails;
  std::vector<double> lengths, worse_samples, better_samples;
  for (const auto& pw : worse.points) {
    for (const auto& pb : better.points) {
      if (pb.max_length != pw.max_length) continue;
      const bool w_ok = std::isfinite(pw.samples), b_ok = std::isfinite(pb.samples);
      if (!w_ok && b_ok) worse_fails.push_back(num(pw.max_length) + " (" + b + " needed " + num(pb.samples) + ")");
      if (w_ok && !b_ok) better_fails.push_back(num(pw.max_length) + " (" + w + " needed " + num(pw.samples) + ")");
      if (w_ok && b_ok)
        lengths.push_back(pw.max_length), worse_samples.push_back(pw.samples), better_samples.push_back(pb.samples);
    }
  }
  const std::string within = " within " + num(budget) + " samples at max length ";
  if (!worse_fails.empty() || !better_fails.empty()) {
    std::vector<std::string> parts;
    if (!worse_fails.empty()) parts.push_back(w + " did not reach " + target_text() + within + join(worse_fails, ", "));
    if (!better_fails.empty())
      parts.push_back(b + " did not reach " + target_text() + within + join(better_fails, ", "));
    const ClaimOutcome outcome = better_fails.empty()  ? ClaimOutcome::supported
                                 : worse_fails.empty() ? ClaimOutcome::not_supported
                                                       : ClaimOutcome::inconclusive;
    return make(outcome, rule, join(parts, "; "));
  }
  if (static_cast<int>(lengths.size()) < kMinFitPoints)
    return make(ClaimOutcome::inconclusive, rule,
                "both reached " + target_text() + " at only " + num(lengths.size()) + " common lengths");
  const LinearFit fw = fit_log_log(lengths, worse_samples), fb = fit_log_log(lengths, better_samples);
  const double shortest = *std::min_element(lengths.begin(), lengths.end());
  const size_t longest = static_cast<size_t>(std::max_element(lengths.begin(), lengths.end()) - lengths.begin());
  const bool needs_more = worse_samples[longest] > better_samples[longest];
  const ClaimOutcome outcome = fw.slope - fb.slope >= kMinExponentGap && needs_more ? ClaimOutcome::supported
                               : fw.slope <= fb.slope || !needs_more                ? ClaimOutcome::not_supported
                                                                                    : ClaimOutcome::inconclusive;
  return make(outcome, rule,
              "exponents " + w + " " + two_decimals(fw.slope) + ", " + b + " " + two_decimals(fb.slope) +
                  " over lengths " + num(shortest) + "–" + num(lengths[longest]) + "; at " + num(lengths[longest]) +
                  ": " + w + " " + num(worse_samples[longest]) + " samples, " + b + " " + num(better_samples[longest]));
}

ClaimVerdict verdict_construction(const std::vector<ConstructionCase>& cases, double tolerance) {
  const std::string rule = "supported when every case expected exact has max error ≤ " + num(tolerance) +
                           " and every case expected to fail has error > " + num(tolerance) +
                           "; not supported on any mismatch; inconclusive with no cases or a NaN error";
  if (cases.empty()) return make(ClaimOutcome::inconclusive, rule, "no cases");
  std::vector<std::string> unexpected, unmeasured;
  double worst_exact = -INFINITY, best_failing = INFINITY;  // stay infinite when there is no such case
  for (const auto& c : cases) {
    if (std::isnan(c.max_error)) {
      unmeasured.push_back(c.name);
      continue;
    }
    if (c.expected_exact)
      worst_exact = std::max(worst_exact, c.max_error);
    else
      best_failing = std::min(best_failing, c.max_error);
    if (c.expected_exact != (c.max_error <= tolerance))
      unexpected.push_back(c.name + " (error " + num(c.max_error) + ", expected " +
                           (c.expected_exact ? "exact" : "failure") + ")");
  }
  if (!unexpected.empty())
    return make(
        ClaimOutcome::not_supported, rule,
        num(unexpected.size()) + " of " + num(cases.size()) + " cases not as expected: " + join(unexpected, ", "));
  if (!unmeasured.empty())
    return make(ClaimOutcome::inconclusive, rule, "no error measured for " + join(unmeasured, ", "));
  std::string because = "all " + num(cases.size()) + " cases as expected";
  if (worst_exact > -INFINITY) because += "; largest error of the exact cases " + num(worst_exact);
  if (best_failing < INFINITY) because += "; smallest error of the failing cases " + num(best_failing);
  return make(ClaimOutcome::supported, rule, because);
}

ClaimVerdict verdict_locality(const std::vector<LocalityPoint>& points, const std::string& model) {
  const std::string rule =
      "not supported when " + model + " is below " + target_text() +
      " on the local (interleaved) form at some n; supported when it is not and at the largest "
      "n the prefix form is ≥ " +
      num(kMinGapPoints) +
      " points below the local form; inconclusive otherwise, with fewer than 2 values of n or a missing (NaN) accuracy";
  if (points.size() < 2)
    return make(ClaimOutcome::inconclusive, rule, model + ": only " + num(points.size()) + " values of n");
  for (const auto& p : points)
    if (!std::isfinite(p.local_accuracy) || !std::isfinite(p.prefix_accuracy))
      return make(ClaimOutcome::inconclusive, rule, model + ": no accuracy measured at n = " + num(p.n));
  const auto lowest = std::min_element(
      points.begin(), points.end(), [](const auto& a, const auto& c) { return a.local_accuracy < c.local_accuracy; });
  const auto largest =
      std::max_element(points.begin(), points.end(), [](const auto& a, const auto& c) { return a.n < c.n; });
  const double gap = 100.0 * (largest->local_accuracy - largest->prefix_accuracy);
  const std::string because = model + ": lowest local accuracy " + percent(lowest->local_accuracy) + " at n = " + num(lowest->n) +
                              "; at n = " + num(largest->n) + " local " + percent(largest->local_accuracy) +
                              ", prefix " + percent(largest->prefix_accuracy) + " (" + signed_points(gap) + " points)";
  const ClaimOutcome outcome = lowest->local_accuracy < kAccuracyTarget ? ClaimOutcome::not_supported
                               : gap >= kMinGapPoints                   ? ClaimOutcome::supported
                                                                        : ClaimOutcome::inconclusive;
  return make(outcome, rule, because);
}

ClaimVerdict verdict_stays_accurate(const std::vector<AccuracyAtSize>& points, const std::string& what) {
  const std::string rule = "supported when " + what + " reaches " + target_text() +
                           " at every size; not supported otherwise; inconclusive with no sizes";
  if (points.empty()) return make(ClaimOutcome::inconclusive, rule, what + ": no sizes measured");
  for (const auto& p : points)
    if (!std::isfinite(p.accuracy))
      return make(ClaimOutcome::inconclusive, rule, what + ": no accuracy measured at size " + num(p.size));
  const auto lowest = std::min_element(points.begin(), points.end(),
                                       [](const auto& a, const auto& c) { return a.accuracy < c.accuracy; });
  return make(lowest->accuracy >= kAccuracyTarget ? ClaimOutcome::supported : ClaimOutcome::not_supported, rule,
              what + ": lowest accuracy " + percent(lowest->accuracy) + " at size " + num(lowest->size) + " of " +
                  num(points.size()) + " sizes");
}

ClaimVerdict combine_verdicts(const std::vector<ClaimVerdict>& parts) {
  std::vector<std::string> rules, reasons;
  bool all_supported = !parts.empty(), any_refuted = false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string tag = "(" + std::to_string(i + 1) + ") ";
    rules.push_back(tag + parts[i].rule);
    reasons.push_back(tag + to_string(parts[i].outcome) + ": " + parts[i].because);
    all_supported = all_supported && parts[i].outcome == ClaimOutcome::supported;
    any_refuted = any_refuted || parts[i].outcome == ClaimOutcome::not_supported;
  }
  const ClaimOutcome outcome = any_refuted     ? ClaimOutcome::not_supported
                               : all_supported ? ClaimOutcome::supported
                                               : ClaimOutcome::inconclusive;
  return make(
      outcome,
      "supported when every part is, not supported when any part is not, else inconclusive. " + join(rules, " "),
      parts.empty() ? "no parts" : join(reasons, "; "));
}

}  // namespace fl
