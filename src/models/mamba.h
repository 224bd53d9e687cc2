// Mamba-1 block (docs/SOURCES.md §1; state-spaces/mamba mamba_simple.py, Mamba + Block):
//   h = h + Mixer(Norm(h))
//   Mixer:  x, z = split(in_proj(h))                    (B, L, Di) each
//           x = SiLU(causal_conv1d_K(x) + b_conv)
//           dt_raw, Bm, Cm = split(x_proj(x))            (R), (N), (N)
//           dt = softplus(dt_proj(dt_raw))               (B, L, Di) weight + bias
//           y = selective_scan(x, dt, A = -exp(A_log), Bm, Cm, D)
//           out = out_proj(y ⊙ SiLU(z))
// Forward runs as kernels: causal_conv1d_silu, then selective_scan with dt_proj's bias, the
// softplus and the SiLU(z) gate fused in (as state-spaces/mamba's selective_scan_fn).
// Parameter names follow MambaLMHeadModel: norm.weight, mixer.{in_proj, conv1d, x_proj, dt_proj,
// A_log, D, out_proj}.
#pragma once
#include <torch/torch.h>

#include "models/block.h"
#include "models/model_config.h"
#include "models/norm.h"

namespace fl {

// Parameters of the depthwise causal conv1d over time (kernel K, left zero padding K-1); the op,
// fused with its SiLU, is kernels::causal_conv1d_silu. Names: weight (Di, 1, K), bias (Di).
class CausalConvImpl : public torch::nn::Module {
 public:
  CausalConvImpl(int64_t channels, int64_t kernel);
  torch::Tensor weight, bias;
};
TORCH_MODULE(CausalConv);

// The selective scan's inputs as the mixer's forward computes them from its input h (B, L, D):
// forward(h) = out_proj(selective_scan(x, dt_raw, A = -exp(A_log), Bm, Cm, D, z, dt_proj bias, softplus)).
struct MambaScanInputs {
  torch::Tensor x;       // (B, L, Di) SiLU(conv1d(in_proj(h)[:Di]) + b_conv), the scan's u
  torch::Tensor dt_raw;  // (B, L, Di) dt_proj's matmul, before its bias and the softplus (both fused into the scan)
  torch::Tensor Bm, Cm;  // (B, L, N)
  torch::Tensor z;       // (B, L, Di) in_proj(h)[Di:], the gate's input
};

class MambaMixerImpl : public torch::nn::Module {
 public:
  explicit MambaMixerImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& h);                       // (B, L, D) → (B, L, D)
  MambaScanInputs scan_inputs(const torch::Tensor& h);                 // h (B, L, D)
  torch::Tensor step(const torch::Tensor& h, MambaCache& cache);      // (B, D) → (B, D)
  void reset_parameters(const ModelConfig& c);

  torch::nn::Linear in_proj{nullptr}, x_proj{nullptr}, dt_proj{nullptr}, out_proj{nullptr};
  CausalConv conv1d{nullptr};
  torch::Tensor A_log;  // (Di, N)
  torch::Tensor D;      // (Di)

 private:
  int64_t d_inner_, d_state_, dt_rank_;
};
TORCH_MODULE(MambaMixer);

class MambaBlock : public Block {
 public:
  explicit MambaBlock(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& h) override;
  torch::Tensor step(const torch::Tensor& h, LayerCache& cache, int64_t position) override;
  std::unique_ptr<LayerCache> make_cache(int64_t batch, torch::Dtype dtype) const override;
  int64_t state_bytes(int64_t t, int64_t bytes_per_value) const override;
  void reset_parameters() override;

  Norm norm{nullptr};
  MambaMixer mixer{nullptr};

 private:
  ModelConfig config_;
};

}  // namespace fl
