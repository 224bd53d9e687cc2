// Pre-norm GPT decoder block:
//   h = h + Attention(Norm(h));   h = h + fc2(GELU(fc1(Norm2(h))))
// Attention: causal multi-head softmax with RoPE, ALiBi, Hard-ALiBi or no positional term inside
// (learned absolute positions live in the LM's embedding), optional sliding window W (query i sees
// keys i-W < j ≤ i); ModelConfig::attention_positions() says which (kernels/attention_positions.h).
// Forward runs as one kernel over the packed in_proj output (kernels::causal_attention: RoPE,
// masking, the ALiBi term and an online softmax fused); step() keeps the plain libtorch path with
// a KV cache, adding kernels::score_bias at the cached keys' distances.
// Parameter names: norm, mixer.{in_proj, out_proj}, norm2, mlp.{fc1, fc2} (docs/CHECKPOINTS.md).
#pragma once
#include <torch/torch.h>

#include "models/block.h"
#include "models/model_config.h"
#include "models/norm.h"

namespace fl {

class AttentionImpl : public torch::nn::Module {
 public:
  explicit AttentionImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x);                                 // (B, L, D) → (B, L, D)
  torch::Tensor step(const torch::Tensor& x, KVCache& cache, int64_t position);  // (B, D) → (B, D)
  // Attention probabilities of a whole sequence, (B, H, L, L) (rows sum to 1, zeros outside the mask).
  torch::Tensor weights(const torch::Tensor& x);

  torch::nn::Linear in_proj{nullptr}, out_proj{nullptr};  // (3D, D) rows [q; k; v], (D, D)

 private:
  std::array<torch::Tensor, 3> project(const torch::Tensor& x, int64_t start);  // q, k, v (B, H, L, hd)
  ModelConfig c_;
  kernels::AttentionPositions positions_;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t d_model, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x) { return fc2(torch::gelu(fc1(x))); }  // exact (erf) GELU
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp);

class TransformerBlock : public Block {
 public:
  explicit TransformerBlock(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& h) override;
  torch::Tensor step(const torch::Tensor& h, LayerCache& cache, int64_t position) override;
  std::unique_ptr<LayerCache> make_cache(int64_t batch, torch::Dtype dtype) const override;
  int64_t state_bytes(int64_t t, int64_t bytes_per_value) const override;
  void reset_parameters() override;

  Norm norm{nullptr}, norm2{nullptr};
  Attention mixer{nullptr};
  Mlp mlp{nullptr};

 private:
  ModelConfig config_;
};

}  // namespace fl
