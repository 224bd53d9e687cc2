// Learning-rate schedule: linear warm-up to the peak, then cosine decay to min_lr_ratio·peak.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace fl {

inline double learning_rate(int64_t step, int64_t steps, int64_t warmup, double peak, double min_ratio) {
  if (step < warmup) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup);
  const double progress =
      std::min(1.0, static_cast<double>(step - warmup) / static_cast<double>(std::max<int64_t>(1, steps - warmup)));
  const double floor = peak * min_ratio;
  return floor + (peak - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace fl
