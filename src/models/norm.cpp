#include "models/norm.h"

#include "kernels/rms_norm.h"

namespace fl {

NormImpl::NormImpl(int64_t dim, const std::string& kind, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
  if (kind == "layernorm") bias = register_parameter("bias", torch::zeros({dim}));
}

torch::Tensor NormImpl::forward(const torch::Tensor& x) {
  if (bias.defined()) return torch::layer_norm(x, {x.size(-1)}, weight, bias, eps_);
  return kernels::rms_norm(x, weight, eps_);
}

}  // namespace fl
