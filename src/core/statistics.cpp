#include "core/statistics.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

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
  return fit;
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
