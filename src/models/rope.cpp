#include "models/rope.h"

namespace fl {

torch::Tensor apply_rope(const torch::Tensor& x, int64_t start, double base) {
  const int64_t L = x.size(2), half = x.size(3) / 2;
  // Angles in double so large positions keep their precision, then cast to x's dtype.
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto inv_freq = torch::pow(base, -torch::arange(0, half, opts) * 2.0 / static_cast<double>(2 * half));  // (hd/2)
  auto theta = torch::outer(torch::arange(start, start + L, opts), inv_freq);                            // (L, hd/2)
  auto cos = theta.cos().to(x.scalar_type()), sin = theta.sin().to(x.scalar_type());
  auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);  // (B, H, L, hd/2)
  return torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);
}

}  // namespace fl
