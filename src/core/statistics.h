// Statistics the measurements share: medians, ordinary least-squares lines and the growth-law
// bands of a log-log slope (used by the verdict rules, report/verdict.h, and the cost report). Torch-free.
//
//   y ≈ intercept + slope · x, slope = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)², intercept = ȳ − slope · x̄,
//   R² = 1 − Σ(y − ŷ)² / Σ(y−ȳ)²   (1 when the points lie on the line; 0 when y is constant,
//                                   since then a line explains nothing beyond the mean).
// fit_log_log fits log y against log x (natural logs), so slope is the power-law exponent:
// y ∝ x^slope; points with x ≤ 0 or y ≤ 0 (or non-finite) are left out.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace fl {

struct LinearFit {
  int64_t points = 0;  // points used
  double slope = 0, intercept = 0, r_squared = 0;
  bool valid() const { return points >= 2; }  // two distinct x values at least
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

}  // namespace fl
