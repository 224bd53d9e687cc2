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
  const std::string rule =
      "over the lengths with a smallest " + size_name + " reaching " + target_text() +
      ", least-squares fits of linear (size = a + b·L), logarithmic (size = a + b·ln L) and exponential (ln size = "
      "a + b·L) laws scored by AICc on the residuals in size units; supported when ≥ " + num(kMinLawPoints) +
      " lengths, none without a smallest " + size_name + ", the sizes grow (b > 0) and the linear law beats both "
      "others by ΔAICc ≥ " + num(kClearLawMargin) + "; not supported when, on such data, the sizes do not grow or "
      "another law beats the linear one by ΔAICc ≥ " + num(kClearLawMargin) +
      "; inconclusive otherwise (fewer lengths, a length the grid did not reach, no clear winner)";
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
  const SizeLawComparison laws = compare_size_laws(lengths, sizes);
  if (static_cast<int>(lengths.size()) < kMinLawPoints || !laws.valid())
    return make(ClaimOutcome::inconclusive, rule,
                num(lengths.size()) + " of " + num(points.size()) + " lengths have a smallest " + size_name +
                    (lengths.size() >= 2 ? " (" + join(found, ", ") + ")" : "") + none_at);
  const double linear = laws.fit(SizeLaw::linear).score;
  std::vector<std::string> scores;
  for (const auto& f : laws.fits) scores.push_back(std::string(to_string(f.law)) + " " + two_decimals(f.score));
  const double slope = laws.fit(SizeLaw::linear).b;
  const double best_other = std::min(laws.fit(SizeLaw::logarithmic).score, laws.fit(SizeLaw::exponential).score);
  const std::string because = "smallest " + size_name + " " + join(found, ", ") + ": linear slope " + num(slope) +
                              " per token; AICc (up to a common constant) " + join(scores, ", ") + "; " +
                              to_string(laws.winner) + " wins by " + two_decimals(laws.margin) + none_at;
  const ClaimOutcome outcome = !missing.empty()                                   ? ClaimOutcome::inconclusive
                               : slope <= 0 || linear - best_other >= kClearLawMargin ? ClaimOutcome::not_supported
                               : best_other - linear >= kClearLawMargin               ? ClaimOutcome::supported
                                                                                      : ClaimOutcome::inconclusive;
  return make(outcome, rule, because);
}

AccuracyRuns one_run(double accuracy, int64_t examples) {
  AccuracyRuns runs;
  runs.add(1, accuracy, examples);
  return runs;
}

namespace {

// first − second per cell and seed both sides ran; a cell with no common seed: the means.
std::vector<double> matched_differences(const std::vector<PairedScore>& cells) {
  std::vector<double> out;
  for (const auto& c : cells) {
    if (c.first.empty() || c.second.empty()) continue;
    bool matched = false;
    for (size_t i = 0; i < c.first.seeds.size(); ++i)
      for (size_t j = 0; j < c.second.seeds.size(); ++j)
        if (c.first.seeds[i] == c.second.seeds[j])
          out.push_back(c.first.accuracies[i] - c.second.accuracies[j]), matched = true;
    if (!matched) out.push_back(c.first.mean() - c.second.mean());
  }
  return out;
}

std::string p_text(const PairedTest& t) {
  return "p = " + num(t.p_value) + " (" + (t.exact ? "exact" : "Monte Carlo") + ", " + num(t.pairs) +
         " matched differences, mean " + signed_points(100.0 * t.mean_difference) + " points)";
}

}  // namespace

std::string interval_text(const AccuracyRuns& runs) {
  if (runs.empty()) return "–";
  const Interval i = runs.interval95();
  return percent(runs.mean()) + " [" + formatted("%.1f", 100 * i.low) + ", " + formatted("%.1f", 100 * i.high) + "]";
}

ClaimVerdict verdict_consistently_better(const std::vector<PairedScore>& cells, const std::string& first_name,
                                         const std::string& second_name) {
  const std::string margin = signed_points(100.0 * kPracticalMargin);
  const std::string rule = "paired sign-flip test (two-sided) of " + first_name + " − " + second_name +
                           " accuracy over matched cells, one difference per cell and seed both ran, and a 95% t "
                           "interval of their mean; supported when p < " + num(kAlpha) +
                           " and the mean difference is positive; not supported when p < " + num(kAlpha) +
                           " and it is negative, or when the interval ends below " + margin +
                           " points (not better by a practical margin); inconclusive otherwise";
  const std::vector<double> differences = matched_differences(cells);
  const PairedTest test = sign_flip_test(differences);
  if (test.pairs == 0) return make(ClaimOutcome::inconclusive, rule, "no matched cells");
  const bool significant = test.p_value < kAlpha;
  std::string because = first_name + " − " + second_name + " over " + num(cells.size()) + " cells: " + p_text(test);
  bool below_margin = false;
  if (differences.size() >= 2) {
    const Interval i = t_interval(differences);
    below_margin = i.high < kPracticalMargin;
    because += "; mean difference 95% interval [" + signed_points(100 * i.low) + ", " + signed_points(100 * i.high) +
               "] points" + (below_margin ? ", below the " + margin + "-point margin" : "");
  }
  const ClaimOutcome outcome = significant && test.mean_difference > 0 ? ClaimOutcome::supported
                               : (significant && test.mean_difference < 0) || below_margin
                                   ? ClaimOutcome::not_supported
                                   : ClaimOutcome::inconclusive;
  return make(outcome, rule, because);
}

ClaimVerdict verdict_sometimes_worse(const std::vector<PairedScore>& cells, const std::string& first_name,
                                     const std::string& second_name) {
  const std::string rule = "supported when in some matched cell the 95% interval of " + first_name +
                           " lies entirely below that of " + second_name +
                           " (Wilson for one run, t across seeds), or the paired sign-flip test of " + first_name +
                           " − " + second_name + " gives p < " + num(kAlpha) +
                           " with a negative mean; not supported when no cell has such a drop and the test gives p < " +
                           num(kAlpha) + " with a positive mean; inconclusive otherwise";
  std::vector<std::string> below;
  int64_t n = 0;
  for (const auto& c : cells) {
    if (c.first.empty() || c.second.empty()) continue;
    ++n;
    if (c.first.interval95().high < c.second.interval95().low)
      below.push_back(c.cell + " (" + interval_text(c.first) + " vs " + interval_text(c.second) + ")");
  }
  if (n == 0) return make(ClaimOutcome::inconclusive, rule, "no matched cells");
  const PairedTest test = sign_flip_test(matched_differences(cells));
  const bool significant = test.p_value < kAlpha;
  const std::string because = first_name + " entirely below " + second_name + " in " + num(below.size()) + " of " +
                              num(n) + " cells" + (below.empty() ? "" : ": " + join(below, ", ")) +
                              "; paired test " + p_text(test);
  const ClaimOutcome outcome = !below.empty() || (significant && test.mean_difference < 0) ? ClaimOutcome::supported
                               : significant && test.mean_difference > 0                  ? ClaimOutcome::not_supported
                                                                                          : ClaimOutcome::inconclusive;
  return make(outcome, rule, because);
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

namespace {

// Not reached within the budget counts as more than any number reached.
double or_more(double samples) { return std::isfinite(samples) ? samples : INFINITY; }

// ln(worse / better) of one matched run, by ranks where the budget censored one side: +∞ when only
// the better model reached the target, −∞ when only the worse one did. NaN when neither did.
double log_ratio(double worse, double better) {
  const double w = or_more(worse), b = or_more(better);
  if (std::isinf(w) && std::isinf(b)) return NAN;
  if (w > 0 && b > 0 && std::isfinite(w) && std::isfinite(b)) return std::log(w / b);
  return w > b ? INFINITY : w < b ? -INFINITY : 0;
}

// The median of log ratios that may be ±∞; the middle pair +∞ and −∞ (as many runs censored each
// way) counts as level (0).
double median_log_ratio(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size(), h = n / 2;
  if (n % 2 == 1) return values[h];
  const double a = values[h - 1], b = values[h];
  return std::isinf(a) && std::isinf(b) && a != b ? 0 : (a + b) / 2;
}

std::string ratio_text(double log_ratio, const std::string& worse, const std::string& better) {
  if (std::isnan(log_ratio)) return "neither reached the target";
  if (log_ratio == INFINITY) return "only " + better + " reached the target";
  if (log_ratio == -INFINITY) return "only " + worse + " reached the target";
  return "×" + two_decimals(std::exp(log_ratio));
}

// One maximum length both models were trained on: the matched runs' log ratios worse/better.
struct LengthRatios {
  double length = 0;
  int64_t runs = 0;  // matched (length, seed) runs
  int64_t more = 0, fewer = 0, ties = 0, both_censored = 0;
  double median = NAN;  // over the runs where at least one side reached; NaN when none did
  std::vector<double> informative;  // those runs' ln ratios (±∞ where one side was censored)
};

std::vector<LengthRatios> matched_ratios(const SampleCurve& worse, const SampleCurve& better) {
  std::vector<LengthRatios> out;
  for (const auto& pw : worse.points)
    for (const auto& pb : better.points) {
      if (pb.max_length != pw.max_length || pw.samples.empty() || pb.samples.empty()) continue;
      LengthRatios l;
      l.length = pw.max_length;
      std::vector<double>& informative = l.informative;
      for (size_t i = 0; i < pw.samples.size(); ++i)
        for (size_t j = 0; j < pb.samples.size(); ++j) {
          const bool same_run = pw.seeds.empty() || pb.seeds.empty() ? i == j : pw.seeds[i] == pb.seeds[j];
          if (!same_run) continue;
          const double r = log_ratio(pw.samples[i], pb.samples[j]);
          ++l.runs;
          if (std::isnan(r)) {
            ++l.both_censored;
            continue;
          }
          informative.push_back(r);
          l.more += r > 0, l.fewer += r < 0, l.ties += r == 0;
        }
      if (l.runs > 0) {
        if (!informative.empty()) l.median = median_log_ratio(informative);
        out.push_back(l);
      }
    }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.length < b.length; });
  return out;
}

}  // namespace

ClaimVerdict verdict_needs_more_samples(const SampleCurve& worse, const SampleCurve& better, double budget) {
  const std::string w = worse.model, b = better.model, a = num(kAlpha);
  const std::string rule =
      "per maximum length L and seed both ran, the ratio " + w + "/" + b + " of the samples to " + target_text() +
      " (not reached within the budget counts as more than any number reached: ranks decide when one side is "
      "censored; runs neither reached are left out); (i) one-sided exact sign test over all matched runs that " + w +
      " needs more (p_more), and the same the other way (p_fewer); (ii) Kendall's trend test of the median log "
      "ratio per L against L, exact over the permutations (p_grow one-sided that the ratio grows with L, p_shrink "
      "that it shrinks); supported when p_grow < " + a + " and at the largest such L the median ratio is above 1, "
      "or when p_more < " + a + " and p_shrink ≥ " + a + "; not supported otherwise when p_fewer < " + a +
      " or p_shrink < " + a + ", unless p_more < " + a + "; inconclusive otherwise, with fewer than " +
      num(kMinFitPoints) + " lengths where some run reached the target, or when at more than half of the lengths "
      "neither model reached it in any matched run";
  const std::vector<LengthRatios> lengths = matched_ratios(worse, better);
  int64_t more = 0, fewer = 0, ties = 0, both_censored = 0, censored_lengths = 0;
  std::vector<double> trend_x, trend_y;
  std::vector<std::string> per_length;
  for (const auto& l : lengths) {
    more += l.more, fewer += l.fewer, ties += l.ties, both_censored += l.both_censored;
    if (std::isnan(l.median)) ++censored_lengths;
    for (double r : l.informative) trend_x.push_back(l.length), trend_y.push_back(r);
    per_length.push_back(num(l.length) + ": " + ratio_text(l.median, w, b) + " (" + num(l.more) + " more, " +
                         num(l.fewer) + " fewer" + (l.ties ? ", " + num(l.ties) + " level" : "") +
                         (l.both_censored ? ", " + num(l.both_censored) + " neither" : "") + ")");
  }
  const double p_more = sign_test_greater_p(more, fewer), p_fewer = sign_test_greater_p(fewer, more);
  const TrendTest trend = kendall_trend_test(trend_x, trend_y);
  const std::string because =
      "median ratio " + w + "/" + b + " of samples to " + target_text() + " per L (budget " + num(budget) + "): " +
      join(per_length, "; ") + "; sign test over " + num(more + fewer + ties) + " matched runs: " + num(more) +
      " more, " + num(fewer) + " fewer, p_more = " + num(p_more) + ", p_fewer = " + num(p_fewer) +
      "; trend over " + num(trend.points) + " runs: Kendall S = " + num(trend.s) + ", p_grow = " +
      num(trend.p_increasing) + ", p_shrink = " + num(trend.p_decreasing);
  const int64_t common = static_cast<int64_t>(lengths.size());
  if (common - censored_lengths < kMinFitPoints)
    return make(ClaimOutcome::inconclusive, rule,
                "only " + num(common - censored_lengths) + " lengths where some matched run reached " +
                    target_text() + (common ? ": " + because : ""));
  if (2 * censored_lengths > common)
    return make(ClaimOutcome::inconclusive, rule,
                "neither model reached " + target_text() + " within the budget at " + num(censored_lengths) + " of " +
                    num(common) + " lengths: " + because);
  const bool significant_more = p_more < kAlpha, significant_fewer = p_fewer < kAlpha;
  double largest_median = NAN;  // at the largest L where some matched run reached the target
  for (const auto& l : lengths)
    if (!std::isnan(l.median)) largest_median = l.median;
  const bool grows = trend.p_increasing < kAlpha && largest_median > 0, shrinks = trend.p_decreasing < kAlpha;
  const ClaimOutcome outcome = grows || (significant_more && !shrinks)                   ? ClaimOutcome::supported
                               : !significant_more && (significant_fewer || shrinks) ? ClaimOutcome::not_supported
                                                                                     : ClaimOutcome::inconclusive;
  return make(outcome, rule, because);
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
  const std::string t = target_text();
  const std::string rule =
      "per n, " + model + "'s accuracy per seed on the local (interleaved) and prefix forms with 95% intervals "
      "(Wilson for one run, t across seeds); not supported when at some n the local form's interval ends below " + t +
      "; supported when the local mean reaches " + t + " at every n, some evaluated n lies beyond the training "
      "range, and at the largest n the prefix form's interval lies entirely below the local form's; inconclusive "
      "otherwise (a local mean below " + t + " whose interval still reaches it, no n beyond the training range, "
      "the prefix form not behind yet), with fewer than 2 values of n or a form without runs";
  if (points.size() < 2)
    return make(ClaimOutcome::inconclusive, rule, model + ": only " + num(points.size()) + " values of n");
  for (const auto& p : points)
    if (p.local.empty() || p.prefix.empty())
      return make(ClaimOutcome::inconclusive, rule, model + ": no accuracy measured at n = " + num(p.n));
  std::vector<std::string> below, undecided, beyond;
  bool holds_beyond = true;
  for (const auto& p : points) {
    const std::string at = "n = " + num(p.n) + (p.beyond_training ? " (beyond training)" : "") + " " +
                           interval_text(p.local);
    if (p.local.interval95().high < kAccuracyTarget) below.push_back(at);
    else if (!(p.local.mean() >= kAccuracyTarget)) undecided.push_back(at);
    if (p.beyond_training) {
      beyond.push_back(num(p.n));
      holds_beyond = holds_beyond && p.local.mean() >= kAccuracyTarget;
    }
  }
  const auto largest =
      std::max_element(points.begin(), points.end(), [](const auto& a, const auto& c) { return a.n < c.n; });
  const bool prefix_behind = largest->prefix.interval95().high < largest->local.interval95().low;
  std::string because = model + ": local form " +
                        (below.empty() ? "not significantly below " + t + " at any n"
                                       : "significantly below " + t + " at " + join(below, ", "));
  if (!undecided.empty()) because += "; below " + t + " on average but not significantly at " + join(undecided, ", ");
  because += beyond.empty() ? "; no evaluated n beyond the training range: constancy not tested by extrapolation"
                            : "; beyond the training range (n = " + join(beyond, ", ") + ") the local form " +
                                  (holds_beyond ? "holds" : "does not hold");
  because += "; at n = " + num(largest->n) + " local " + interval_text(largest->local) + ", prefix " +
             interval_text(largest->prefix) + (prefix_behind ? " (prefix behind)" : " (intervals overlap)");
  const ClaimOutcome outcome = !below.empty() ? ClaimOutcome::not_supported
                               : undecided.empty() && !beyond.empty() && prefix_behind ? ClaimOutcome::supported
                                                                                       : ClaimOutcome::inconclusive;
  return make(outcome, rule, because);
}

ClaimVerdict verdict_stays_accurate(const std::vector<AccuracyAtSize>& points, const std::string& what) {
  const std::string t = target_text();
  const std::string rule = "per size, " + what + "'s accuracy per seed with its 95% interval (Wilson for one run, t "
                           "across seeds); supported when the mean reaches " + t + " at every size; not supported "
                           "when at some size the interval ends below " + t + "; inconclusive otherwise (a mean "
                           "below " + t + " whose interval still reaches it), or with no sizes";
  if (points.empty()) return make(ClaimOutcome::inconclusive, rule, what + ": no sizes measured");
  for (const auto& p : points)
    if (p.accuracy.empty())
      return make(ClaimOutcome::inconclusive, rule, what + ": no accuracy measured at size " + num(p.size));
  std::vector<std::string> below, undecided;
  for (const auto& p : points) {
    const std::string at = "size " + num(p.size) + " " + interval_text(p.accuracy);
    if (p.accuracy.interval95().high < kAccuracyTarget) below.push_back(at);
    else if (!(p.accuracy.mean() >= kAccuracyTarget)) undecided.push_back(at);
  }
  const auto lowest = std::min_element(points.begin(), points.end(), [](const auto& a, const auto& c) {
    return a.accuracy.mean() < c.accuracy.mean();
  });
  std::string because = what + ": lowest " + interval_text(lowest->accuracy) + " at size " + num(lowest->size) +
                        " of " + num(points.size()) + " sizes";
  if (!below.empty()) because += "; significantly below " + t + " at " + join(below, ", ");
  if (!undecided.empty()) because += "; below " + t + " on average but not significantly at " + join(undecided, ", ");
  const ClaimOutcome outcome = !below.empty()       ? ClaimOutcome::not_supported
                               : undecided.empty() ? ClaimOutcome::supported
                                                   : ClaimOutcome::inconclusive;
  return make(outcome, rule, because);
}

namespace {

// One family's smallest solving models: its uncensored sizes' exponents and its censored sizes.
struct SolvingFit {
  std::vector<double> sizes;          // uncensored
  std::vector<std::string> censored;  // sizes as text
  LinearFit state, cost;              // log-log fits against T over the uncensored sizes
};

SolvingFit solving_fit(const std::vector<SolvingPoint>& points) {
  SolvingFit f;
  std::vector<double> bytes, flops;
  for (const auto& p : points) {
    if (p.censored()) {
      f.censored.push_back(num(p.size));
      continue;
    }
    f.sizes.push_back(p.size), bytes.push_back(p.state_bytes), flops.push_back(p.total_flops);
  }
  f.state = fit_log_log(f.sizes, bytes), f.cost = fit_log_log(f.sizes, flops);
  return f;
}

std::string solving_text(const std::string& family, const SolvingFit& f) {
  std::string sizes;
  for (double T : f.sizes) sizes += (sizes.empty() ? "" : ", ") + num(T);
  return family + " solves at " + num(f.sizes.size()) + " sizes (T = " + (sizes.empty() ? "none" : sizes) +
         (f.censored.empty() ? "" : "; censored at " + join(f.censored, ", ")) + "): state exponent " +
         slope_text(f.state) + ", total-cost exponent " + slope_text(f.cost);
}

}  // namespace

std::string slope_text(const LinearFit& fit) {
  if (!fit.valid()) return "–";
  const Interval i = fit.slope_interval95();
  return two_decimals(fit.slope) + " [" + two_decimals(i.low) + ", " + two_decimals(i.high) + "]";
}

ClaimVerdict verdict_no_free_lunch(const std::vector<SolvingPoint>& mamba, const std::vector<SolvingPoint>& transformer,
                                   const std::string& task) {
  const std::string n = num(kMinFitPoints);
  const std::string rule =
      "on " + task + ", per family the smallest model reaching " + target_text() +
      " at each size T (fewest state bytes at the end of an example); exponents = log-log least-squares slopes of "
      "its state bytes and its total generation FLOPs against T over the sizes it solves, with 95% t intervals. "
      "Supported when Mamba solves ≥ " + n + " sizes, its state exponent's interval lies above 0 (the state must "
      "grow) and its total-cost exponent's interval reaches the Transformer's exponent or lies above (no saving), "
      "the Transformer solving ≥ " + n + " sizes and none censored; not supported when Mamba's state does not "
      "grow significantly (a constant-size Mamba solves every size: a free lunch) or its total-cost interval lies "
      "below the Transformer's exponent, with no Mamba size censored; inconclusive otherwise (fewer sizes, or a "
      "censored size — none of the grid's models reached " + target_text() + " — that could change the outcome)";
  const SolvingFit m = solving_fit(mamba), t = solving_fit(transformer);
  const std::string numbers = solving_text("Mamba", m) + "; " + solving_text("Transformer", t);
  const auto verdict = [&](ClaimOutcome outcome, const std::string& why) {
    return make(outcome, rule, numbers + ": " + why);
  };
  if (static_cast<int>(m.sizes.size()) < kMinFitPoints)
    return verdict(ClaimOutcome::inconclusive, "Mamba solves fewer than " + n + " sizes");
  const bool mamba_censored = !m.censored.empty();
  if (!(m.state.slope_interval95().low > 0))
    return mamba_censored ? verdict(ClaimOutcome::inconclusive,
                                    "the solving Mamba's state does not grow significantly over the sizes it solves, "
                                    "but the grid's Mamba models did not solve every size")
                          : verdict(ClaimOutcome::not_supported,
                                    "the solving Mamba's state does not grow significantly with T: a free lunch");
  if (static_cast<int>(t.sizes.size()) < kMinFitPoints)
    return verdict(ClaimOutcome::inconclusive, "the Transformer solves fewer than " + n + " sizes");
  if (m.cost.slope_interval95().high < t.cost.slope)
    return mamba_censored
               ? verdict(ClaimOutcome::inconclusive,
                         "the solving Mamba's total cost grows significantly slower than the Transformer's over the "
                         "sizes it solves, but the grid's Mamba models did not solve every size")
               : verdict(ClaimOutcome::not_supported,
                         "the solving Mamba's state grows, but its total cost grows significantly slower than the "
                         "Transformer's: a saving");
  if (!t.censored.empty())
    return verdict(ClaimOutcome::inconclusive,
                   "the solving Mamba's state grows and its total cost grows no slower than the Transformer's, but "
                   "the Transformer did not solve every size (its exponent may be higher there)");
  return verdict(ClaimOutcome::supported,
                 "the solving Mamba's state grows and its total cost grows no slower than the Transformer's: "
                 "no saving");
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
