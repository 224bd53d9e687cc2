// Mamba-2 block (docs/MODELS.md "Mamba-2"; state-spaces/mamba modules/mamba2.py, Mamba2, with
// d_ssm = d_inner, rmsnorm, norm_before_gate = false, D per head):
//   h = h + Mixer(Norm(h))
//   Mixer:  z, xBC, dt_raw = split(in_proj(h))           (Di), (Di + 2GN), (Hm)
//           x, Bm, Cm = split(SiLU(causal_conv1d_K(xBC) + b_conv))   (Di), (G·N), (G·N)
//           dt = softplus(dt_raw + dt_bias)                (Hm)  one step size per head
//           per head h (group g = h / (Hm/G), x_h = x[hP : (h+1)P]):
//             s_h,t = exp(dt_h A_h) s_h,t−1 + dt_h x_h ⊗ B_g    (P, N),  A_h = −exp(A_log_h)
//             y_h,t = s_h,t · C_g + D_h x_h                      (P)
//           out = out_proj(RMS_group(y ⊙ SiLU(z)) · w)           gated RMSNorm, groups of Di/G
// The scan is the linear attention of kernels/linear_scan.h with q = C, k = B, v = dt·x and one
// scalar log-decay dt·A per head and step — the paper's "attention with decaying weights" with the
// decay shared across the state (Mamba-1 has one per channel and state entry).
// Parameter names follow mamba_ssm: norm.weight, mixer.{in_proj.weight (2Di + 2GN + Hm, D),
// conv1d.{weight (Cc, 1, K), bias (Cc)}, dt_bias (Hm), A_log (Hm), D (Hm), norm.weight (Di),
// out_proj.weight (D, Di)}; Cc = Di + 2GN.
#pragma once
#include <torch/torch.h>

#include "models/block.h"
#include "models/gated_norm.h"
#include "models/mamba.h"
#include "models/model_config.h"
#include "models/norm.h"

namespace fl {

// The operands of the mixer's scan, y = linear_scan(q, k, v, log_decay) + D x (per head).
struct Mamba2ScanOperands {
  torch::Tensor q;          // (B, L, Hm, N)  C_t of each head's group
  torch::Tensor k;          // (B, L, Hm, N)  B_t of each head's group
  torch::Tensor v;          // (B, L, Hm, P)  dt_t · x_t
  torch::Tensor log_decay;  // (B, L, Hm, 1)  dt_t · A
  torch::Tensor x;          // (B, L, Hm, P)  the conv output, for the D skip
  torch::Tensor z;          // (B, L, Di)     the gate's input
};

class Mamba2MixerImpl : public torch::nn::Module {
 public:
  explicit Mamba2MixerImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& h);                   // (B, L, D) → (B, L, D)
  Mamba2ScanOperands scan_operands(const torch::Tensor& h);        // h (B, L, D)
  torch::Tensor step(const torch::Tensor& h, Mamba2Cache& cache);  // (B, D) → (B, D)
  void reset_parameters(const ModelConfig& c);

  torch::nn::Linear in_proj{nullptr}, out_proj{nullptr};
  CausalConv conv1d{nullptr};
  torch::Tensor dt_bias;  // (Hm)
  torch::Tensor A_log;    // (Hm)
  torch::Tensor D;        // (Hm)
  GatedRmsNorm norm{nullptr};

 private:
  // (..., G·N) → (..., Hm, N): each group's vector repeated for its Hm/G heads.
  torch::Tensor per_head(const torch::Tensor& grouped) const;
  int64_t d_inner_, d_state_, heads_, headdim_, groups_;
};
TORCH_MODULE(Mamba2Mixer);

class Mamba2Block : public Block {
 public:
  explicit Mamba2Block(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& h) override;
  torch::Tensor step(const torch::Tensor& h, LayerCache& cache, int64_t position) override;
  std::unique_ptr<LayerCache> make_cache(int64_t batch, torch::Dtype dtype) const override;
  int64_t state_bytes(int64_t t, int64_t bytes_per_value) const override;
  void reset_parameters() override;

  Norm norm{nullptr};
  Mamba2Mixer mixer{nullptr};

 private:
  ModelConfig config_;
};

}  // namespace fl
