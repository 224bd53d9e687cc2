// Gated RMSNorm of the Mamba-2 and GLA output paths (plain libtorch ops, autograd by libtorch):
//   norm_before_gate = false (Mamba-2, mamba_ssm's RMSNormGated):  out = RMS_g(y ⊙ SiLU(z)) · w
//   norm_before_gate = true  (GLA, fla's RMSNorm-swish-gate):       out = RMS_g(y) · w ⊙ SiLU(z)
// RMS_g(x) = x / √(mean_g(x²) + eps), the mean over each group of `group` consecutive channels of
// the last dim (Mamba-2: Di / ngroups; GLA: one head, hd). The weight w spans either all C
// channels (Mamba-2, (C)) or one group and is shared by every group (GLA, (group)).
// Parameter name: weight (ones).
#pragma once
#include <torch/torch.h>

namespace fl {

class GatedRmsNormImpl : public torch::nn::Module {
 public:
  // weight_size: C or group (see above).
  GatedRmsNormImpl(int64_t weight_size, int64_t group, double eps, bool norm_before_gate);
  torch::Tensor forward(const torch::Tensor& y, const torch::Tensor& z);  // (..., C) each → (..., C)

  torch::Tensor weight;

 private:
  int64_t group_;
  double eps_;
  bool norm_before_gate_;
};
TORCH_MODULE(GatedRmsNorm);

}  // namespace fl
