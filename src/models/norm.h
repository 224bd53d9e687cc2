// Normalisation over the last dimension: RMSNorm (x·rsqrt(mean x² + eps)·weight) or LayerNorm.
// Parameter names: "weight" (+ "bias" for LayerNorm), as in the PyTorch Mamba/GPT ecosystems.
#pragma once
#include <string>

#include <torch/torch.h>

namespace fl {

class NormImpl : public torch::nn::Module {
 public:
  NormImpl(int64_t dim, const std::string& kind, double eps);
  torch::Tensor forward(const torch::Tensor& x);  // (..., D) → (..., D)

  torch::Tensor weight;  // (D) ones
  torch::Tensor bias;    // (D) zeros; undefined for RMSNorm

 private:
  double eps_;
};
TORCH_MODULE(Norm);

}  // namespace fl
