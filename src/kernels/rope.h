// Rotary position embedding, GPT-NeoX "rotate-half" form over the whole head dimension:
//   inv_freq_i = base^(-2i/hd), θ = p · inv_freq_i  for i < hd/2
//   x'[i] = x[i] cos θ − x[i + hd/2] sin θ,   x'[i + hd/2] = x[i + hd/2] cos θ + x[i] sin θ
#pragma once
#include <torch/torch.h>

#include <utility>

namespace fl {

// cos θ and sin θ for positions start … start+L-1, each (L, hd/2) in `dtype`. The angles are
// computed in double, so large positions keep their precision, then cast.
std::pair<torch::Tensor, torch::Tensor> rope_cos_sin(int64_t start, int64_t L, int64_t head_dim, double base,
                                                     torch::Dtype dtype);

// x (B, H, L, hd) holding positions start, start+1, …, start+L-1 → rotated, same shape.
torch::Tensor apply_rope(const torch::Tensor& x, int64_t start, double base);

}  // namespace fl
