// Linear-attention block (docs/MODELS.md "Linear attention"): the paper's lens made a model,
//   y_i = Σ_{j≤i} α_ij (q_i·k_j) v_j,   α_ij = Π_{r=j+1..i} α_r,
// with model.decay choosing α: "none" (α = 1, Katharopoulos et al.'s linear attention without a
// feature map or normaliser), "fixed" (α = γ_h per head, RetNet's γ_h = 1 − 2^(−5−h)) or "gla"
// (Gated Linear Attention, Yang et al. 2024: α_t = σ(W_up W_down x_t + b)^(1/16) per key channel).
// The layout is fla's GatedLinearAttention (key and value width D, H heads of hd = D/H):
//   h = h + Mixer(Norm(h));   h = h + fc2(GELU(fc1(Norm2(h))))      (the Transformer's MLP)
//   Mixer:  q = W_q x / √hd,  k = W_k x,  v = W_v x                  (B, L, H, hd) each
//           o = linear_scan(q, k, v, log α)                          kernels/linear_scan.h
//           out = o_proj(RMS_head(o) · w ⊙ SiLU(W_g x))              gated RMSNorm, norm first
// Parameter names: norm, mixer.{q_proj, k_proj, v_proj, g_proj, o_proj (D, D) each, no bias;
// g_norm.weight (hd); gla only: gk_proj.0.weight (16, D), gk_proj.1.{weight (D, 16), bias (D)}},
// norm2, mlp.{fc1, fc2}. The step path keeps one (hd × hd) matrix per head: constant in t.
#pragma once
#include <torch/torch.h>

#include "models/block.h"
#include "models/gated_norm.h"
#include "models/model_config.h"
#include "models/norm.h"
#include "models/transformer.h"

namespace fl {

// The operands of the mixer's scan.
struct LinearAttentionOperands {
  torch::Tensor q, k, v;    // (B, L, H, hd) each, q scaled by 1/√hd
  torch::Tensor log_decay;  // (B, L, H, 1) fixed, (B, L, H, hd) gla; undefined for none (α = 1)
};

class LinearAttentionImpl : public torch::nn::Module {
 public:
  explicit LinearAttentionImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x);                                // (B, L, D) → (B, L, D)
  LinearAttentionOperands operands(const torch::Tensor& x);                     // x (B, L, D)
  torch::Tensor step(const torch::Tensor& x, LinearAttentionCache& cache);     // (B, D) → (B, D)
  // The mixer's output from the scan's o (…, H, hd) and the mixer input x (…, D): o_proj(RMS_head(o)·w ⊙ SiLU(W_g x)).
  torch::Tensor output(const torch::Tensor& o, const torch::Tensor& x);

  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, g_proj{nullptr}, o_proj{nullptr};
  torch::nn::Sequential gk_proj{nullptr};  // gla only: Linear(D, 16, no bias), Linear(16, D)
  GatedRmsNorm g_norm{nullptr};

 private:
  ModelConfig c_;
};
TORCH_MODULE(LinearAttention);

class LinearAttentionBlock : public Block {
 public:
  explicit LinearAttentionBlock(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& h) override;
  torch::Tensor step(const torch::Tensor& h, LayerCache& cache, int64_t position) override;
  std::unique_ptr<LayerCache> make_cache(int64_t batch, torch::Dtype dtype) const override;
  int64_t state_bytes(int64_t t, int64_t bytes_per_value) const override;
  void reset_parameters() override;

  Norm norm{nullptr}, norm2{nullptr};
  LinearAttention mixer{nullptr};
  Mlp mlp{nullptr};

 private:
  ModelConfig config_;
};

}  // namespace fl
