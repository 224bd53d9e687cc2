#include "models/gated_norm.h"

namespace fl {

GatedRmsNormImpl::GatedRmsNormImpl(int64_t weight_size, int64_t group, double eps, bool norm_before_gate)
    : group_(group), eps_(eps), norm_before_gate_(norm_before_gate) {
  weight = register_parameter("weight", torch::ones({weight_size}));
}

torch::Tensor GatedRmsNormImpl::forward(const torch::Tensor& y, const torch::Tensor& z) {
  const int64_t C = y.size(-1);
  TORCH_CHECK(C % group_ == 0, "GatedRmsNorm: ", C, " channels do not split into groups of ", group_);
  auto shape = y.sizes().vec();
  shape.back() = C / group_;
  shape.push_back(group_);                                  // (..., C/g, g)
  const auto gate = torch::silu(z);                         // (..., C)
  auto x = (norm_before_gate_ ? y : y * gate).reshape(shape);
  x = x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps_);
  x = weight.numel() == group_ ? x * weight : x.reshape(y.sizes()) * weight;  // w per group or per channel
  x = x.reshape(y.sizes());                                 // (..., C)
  return norm_before_gate_ ? x * gate : x;
}

}  // namespace fl
