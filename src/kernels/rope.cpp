#include "kernels/rope.h"

namespace fl {

std::pair<torch::Tensor, torch::Tensor> rope_cos_sin(int64_t start, int64_t L, int64_t head_dim, double base,
                                                     torch::Dtype dtype) {
  const int64_t half = head_dim / 2;
  auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  auto inv_freq = torch::pow(base, -torch::arange(0, half, opts) * 2.0 / static_cast<double>(2 * half));  // (hd/2)
  auto theta = torch::outer(torch::arange(start, start + L, opts), inv_freq);                            // (L, hd/2)
  return {theta.cos().to(dtype), theta.sin().to(dtype)};
}

torch::Tensor apply_rope(const torch::Tensor& x, int64_t start, double base) {
  const int64_t half = x.size(3) / 2;
  auto [cos, sin] = rope_cos_sin(start, x.size(2), x.size(3), base, x.scalar_type());  // (L, hd/2)
  auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);                       // (B, H, L, hd/2)
  return torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);
}

}  // namespace fl
