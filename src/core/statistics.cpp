#include "core/statistics.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"

namespace fl {

LinearFit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  require(x.size() == y.size(),
          "fit_line: " + std::to_string(x.size()) + " x values but " + std::to_string(y.size()) + " y values");
  std::vector<double> xs, ys;
  for (size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i])) xs.push_back(x[i]), ys.push_back(y[i]);
  const double n = static_cast<double>(xs.size());
  if (xs.size() < 2) return {};
  double mean_x = 0, mean_y = 0;
  for (size_t i = 0; i < xs.size(); ++i) mean_x += xs[i] / n, mean_y += ys[i] / n;
  double sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double dx = xs[i] - mean_x, dy = ys[i] - mean_y;
    sxx += dx * dx, sxy += dx * dy, syy += dy * dy;
  }
  if (sxx == 0) return {};
  LinearFit fit;
  fit.points = static_cast<int64_t>(xs.size());
  fit.slope = sxy / sxx;
  fit.intercept = mean_y - fit.slope * mean_x;
  double residual = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double r = ys[i] - (fit.intercept + fit.slope * xs[i]);
    residual += r * r;
  }
  fit.r_squared = syy > 0 ? 1.0 - residual / syy : 0.0;
  if (xs.size() >= 3) fit.slope_se = std::sqrt(residual / (n - 2) / sxx);
  return fit;
}

Interval LinearFit::slope_interval95() const {
  if (points < 3) return {-INFINITY, INFINITY};
  const double half = t_quantile_975(points - 2) * slope_se;
  return {slope - half, slope + half};
}

LinearFit fit_log_log(const std::vector<double>& x, const std::vector<double>& y) {
  require(x.size() == y.size(),
          "fit_log_log: " + std::to_string(x.size()) + " x values but " + std::to_string(y.size()) + " y values");
  std::vector<double> lx, ly;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] > 0 && y[i] > 0 && std::isfinite(x[i]) && std::isfinite(y[i]))
      lx.push_back(std::log(x[i])), ly.push_back(std::log(y[i]));
  return fit_line(lx, ly);
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

const char* to_string(GrowthLaw growth) {
  switch (growth) {
    case GrowthLaw::flat: return "flat";
    case GrowthLaw::linear: return "linear";
    case GrowthLaw::quadratic: return "quadratic";
  }
  return "flat";
}

std::optional<GrowthLaw> growth_band(double slope) {
  if (std::fabs(slope) < kFlatBand) return GrowthLaw::flat;
  if (slope >= 1 - kGrowthBand && slope < 1 + kGrowthBand) return GrowthLaw::linear;
  if (slope >= 2 - kGrowthBand && slope < 2 + kGrowthBand) return GrowthLaw::quadratic;
  return std::nullopt;
}

}  // namespace fl

namespace fl {
namespace {
constexpr double kZ975 = 1.959963984540054;  // the 0.975 quantile of the standard normal
}  // namespace

Interval wilson_interval(int64_t correct, int64_t n) {
  require(correct >= 0 && correct <= n, "wilson_interval: " + std::to_string(correct) + " correct of " +
                                            std::to_string(n));
  if (n == 0) return {0, 1};
  const double nn = static_cast<double>(n), p = static_cast<double>(correct) / nn, z2 = kZ975 * kZ975;
  const double denominator = 1 + z2 / nn;
  const double centre = (p + z2 / (2 * nn)) / denominator;
  const double half = kZ975 * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denominator;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

double t_quantile_975(int64_t df) {
  require(df >= 1, "t_quantile_975: " + std::to_string(df) + " degrees of freedom");
  static const double table[30] = {12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060,
                                   2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199,
                                   2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
                                   2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (df <= 30) return table[df - 1];
  const double z = kZ975, v = static_cast<double>(df), z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

Interval t_interval(const std::vector<double>& values) {
  require(values.size() >= 2, "t_interval needs two values at least, got " + std::to_string(values.size()));
  const double k = static_cast<double>(values.size());
  double mean = 0, squares = 0;
  for (double v : values) mean += v / k;
  for (double v : values) squares += (v - mean) * (v - mean);
  const double half = t_quantile_975(static_cast<int64_t>(values.size()) - 1) * std::sqrt(squares / (k - 1) / k);
  return {mean - half, mean + half};
}

void AccuracyRuns::add(int64_t seed, double accuracy, int64_t run_examples) {
  if (!std::isfinite(accuracy)) return;
  examples = accuracies.empty() ? run_examples : std::min(examples, run_examples);
  accuracies.push_back(accuracy), seeds.push_back(seed);
}

double AccuracyRuns::mean() const {
  if (accuracies.empty()) return NAN;
  double sum = 0;
  for (double a : accuracies) sum += a;
  return sum / static_cast<double>(accuracies.size());
}

Interval AccuracyRuns::interval95() const {
  if (accuracies.empty() || examples <= 0) return {0, 1};
  const auto correct = [&](double a) { return std::clamp<int64_t>(std::llround(a * examples), 0, examples); };
  if (accuracies.size() == 1) return wilson_interval(correct(accuracies[0]), examples);
  int64_t pooled = 0;
  for (double a : accuracies) pooled += correct(a);
  const Interval t = t_interval(accuracies);
  const Interval w = wilson_interval(pooled, examples * static_cast<int64_t>(accuracies.size()));
  return {std::clamp(std::min(t.low, w.low), 0.0, 1.0), std::clamp(std::max(t.high, w.high), 0.0, 1.0)};
}

PairedTest sign_flip_test(const std::vector<double>& differences) {
  std::vector<double> d;
  for (double v : differences)
    if (std::isfinite(v)) d.push_back(v);
  PairedTest test;
  test.pairs = static_cast<int64_t>(d.size());
  if (d.empty()) {
    test.mean_difference = NAN;
    return test;
  }
  double observed = 0, scale = 0;
  for (double v : d) observed += v, scale += std::fabs(v);
  test.mean_difference = observed / static_cast<double>(d.size());
  const double threshold = std::fabs(observed) - 1e-9 * scale;  // |Σ ± d| ≥ |Σ d|, ties included
  int64_t hits = 0, draws = 0;
  if (test.pairs <= kExactSignFlipPairs) {
    draws = int64_t{1} << test.pairs;
    for (int64_t signs = 0; signs < draws; ++signs) {
      double sum = 0;
      for (int64_t i = 0; i < test.pairs; ++i) sum += (signs >> i & 1) ? -d[i] : d[i];
      hits += std::fabs(sum) >= threshold;
    }
    test.p_value = static_cast<double>(hits) / static_cast<double>(draws);
  } else {
    test.exact = false;
    Rng rng(kSignFlipSeed, 0);
    for (draws = 0; draws < kSignFlipSamples; ++draws) {
      double sum = 0;
      for (double v : d) sum += (rng.next() >> 63) ? -v : v;
      hits += std::fabs(sum) >= threshold;
    }
    test.p_value = static_cast<double>(hits + 1) / static_cast<double>(draws + 1);
  }
  return test;
}

namespace {

double binomial_half_tail(int64_t k, int64_t n) {  // P(X ≥ k), X ~ Binomial(n, 1/2), through log-binomials
  double tail = 0;
  for (int64_t i = k; i <= n; ++i)
    tail += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0));
  return std::min(1.0, tail);
}

int sign_of(double v) { return (v > 0) - (v < 0); }

// Kendall's S of y (in the order of `order`) against x.
int64_t kendall_s(const std::vector<double>& x, const std::vector<double>& y, const std::vector<size_t>& order) {
  int64_t s = 0;
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t j = i + 1; j < x.size(); ++j) {
      const double a = y[order[i]], b = y[order[j]];
      s += sign_of(x[j] - x[i]) * (a < b ? 1 : b < a ? -1 : 0);  // comparisons: ±∞ rank as extremes
    }
  return s;
}

}  // namespace

double sign_test_p(int64_t plus, int64_t minus) {
  const int64_t n = plus + minus;
  return n == 0 ? 1 : std::min(1.0, 2 * binomial_half_tail(std::max(plus, minus), n));
}

double sign_test_greater_p(int64_t plus, int64_t minus) {
  const int64_t n = plus + minus;
  return n == 0 ? 1 : binomial_half_tail(plus, n);
}

TrendTest kendall_trend_test(const std::vector<double>& x_in, const std::vector<double>& y_in) {
  require(x_in.size() == y_in.size(), "kendall_trend_test: " + std::to_string(x_in.size()) + " x values but " +
                                          std::to_string(y_in.size()) + " y values");
  std::vector<double> x, y;
  for (size_t i = 0; i < x_in.size(); ++i)
    if (!std::isnan(y_in[i]) && !std::isnan(x_in[i])) x.push_back(x_in[i]), y.push_back(y_in[i]);
  TrendTest test;
  test.points = static_cast<int64_t>(x.size());
  if (test.points < 2) return test;
  std::vector<size_t> order(x.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  test.s = kendall_s(x, y, order);
  test.tau = static_cast<double>(test.s) / static_cast<double>(test.points * (test.points - 1) / 2);
  int64_t at_least = 0, at_most = 0, draws = 0;
  const auto count = [&] {
    const int64_t s = kendall_s(x, y, order);
    at_least += s >= test.s, at_most += s <= test.s, ++draws;
  };
  if (test.points <= kExactTrendPoints) {
    do count();
    while (std::next_permutation(order.begin(), order.end()));
    test.p_increasing = static_cast<double>(at_least) / static_cast<double>(draws);
    test.p_decreasing = static_cast<double>(at_most) / static_cast<double>(draws);
  } else {
    test.exact = false;
    Rng rng(kSignFlipSeed, 1);
    while (draws < kTrendSamples) {
      for (size_t i = order.size() - 1; i > 0; --i)
        std::swap(order[i], order[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(i)))]);
      count();
    }
    test.p_increasing = static_cast<double>(at_least + 1) / static_cast<double>(draws + 1);
    test.p_decreasing = static_cast<double>(at_most + 1) / static_cast<double>(draws + 1);
  }
  return test;
}

const char* to_string(SizeLaw law) {
  switch (law) {
    case SizeLaw::linear: return "linear";
    case SizeLaw::logarithmic: return "logarithmic";
    case SizeLaw::exponential: return "exponential";
  }
  return "linear";
}

const SizeLawFit& SizeLawComparison::fit(SizeLaw law) const {
  for (const auto& f : fits)
    if (f.law == law) return f;
  throw Error(std::string("no ") + to_string(law) + " fit in an invalid comparison");
}

SizeLawComparison compare_size_laws(const std::vector<double>& length, const std::vector<double>& size) {
  require(length.size() == size.size(), "compare_size_laws: " + std::to_string(length.size()) + " lengths but " +
                                            std::to_string(size.size()) + " sizes");
  std::vector<double> L, s, log_L, log_s;
  double largest = 0;
  for (size_t i = 0; i < length.size(); ++i)
    if (std::isfinite(length[i]) && std::isfinite(size[i]) && length[i] > 0 && size[i] > 0) {
      L.push_back(length[i]), s.push_back(size[i]), log_L.push_back(std::log(length[i]));
      log_s.push_back(std::log(size[i])), largest = std::max(largest, size[i]);
    }
  SizeLawComparison out;
  const LinearFit linear = fit_line(L, s);
  if (L.size() < 3 || !linear.valid()) return out;
  out.points = static_cast<int64_t>(L.size());
  const LinearFit logarithmic = fit_line(log_L, s), exponential = fit_line(L, log_s);
  const double n = static_cast<double>(L.size()), floor = n * (1e-6 * largest) * (1e-6 * largest);
  const auto scored = [&](SizeLaw law, const LinearFit& f, auto predict) {
    double rss = 0;
    for (size_t i = 0; i < L.size(); ++i) rss += (s[i] - predict(f, L[i])) * (s[i] - predict(f, L[i]));
    rss = std::max(rss, floor);
    return SizeLawFit{law, f.intercept, f.slope, rss, n * std::log(rss / n)};
  };
  out.fits = {scored(SizeLaw::linear, linear, [](const LinearFit& f, double x) { return f.intercept + f.slope * x; }),
              scored(SizeLaw::logarithmic, logarithmic,
                     [](const LinearFit& f, double x) { return f.intercept + f.slope * std::log(x); }),
              scored(SizeLaw::exponential, exponential,
                     [](const LinearFit& f, double x) { return std::exp(f.intercept + f.slope * x); })};
  std::vector<SizeLawFit> ranked = out.fits;
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.score < b.score; });
  out.winner = ranked[0].law, out.margin = ranked[1].score - ranked[0].score;
  return out;
}

}  // namespace fl
