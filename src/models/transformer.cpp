#include "models/transformer.h"

#include <cmath>

#include "kernels/attention.h"
#include "kernels/rope.h"

namespace fl {

// ---------------------------------------------------------------------------------------------
// Attention

AttentionImpl::AttentionImpl(const ModelConfig& c) : c_(c), positions_(c.attention_positions()) {
  in_proj = register_module("in_proj", torch::nn::Linear(c.d_model, 3 * c.d_model));
  out_proj = register_module("out_proj", torch::nn::Linear(c.d_model, c.d_model));
}

std::array<torch::Tensor, 3> AttentionImpl::project(const torch::Tensor& x, int64_t start) {
  const int64_t B = x.size(0), L = x.size(1);
  auto qkv = in_proj(x).view({B, L, 3, c_.n_head, c_.head_dim()}).permute({2, 0, 3, 1, 4});  // (3, B, H, L, hd)
  auto q = qkv[0], k = qkv[1], v = qkv[2];
  const double base = positions_.rope_base;
  if (base > 0) q = apply_rope(q, start, base), k = apply_rope(k, start, base);
  return {q, k, v};
}

torch::Tensor AttentionImpl::weights(const torch::Tensor& x) {
  return kernels::attention_probabilities(in_proj(x), c_.n_head, positions_);  // (B, H, L, L)
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
  return out_proj(kernels::causal_attention(in_proj(x), c_.n_head, positions_));  // (B, L, D)
}

torch::Tensor AttentionImpl::step(const torch::Tensor& x, KVCache& cache, int64_t position) {
  const int64_t B = x.size(0);
  auto [q, k, v] = project(x.unsqueeze(1), position);                 // (B, H, 1, hd)
  cache.append(k.squeeze(2), v.squeeze(2));
  auto scores = torch::matmul(q, cache.keys().transpose(-2, -1)) / std::sqrt(static_cast<double>(c_.head_dim()));
  if (positions_.biased()) {  // ALiBi / Hard-ALiBi at the keys' true distances (a ring holds them out of order)
    const auto distance = position - cache.key_positions();                                            // (n)
    const auto bias = kernels::score_bias(positions_, c_.n_head, distance, scores.scalar_type());  // (H, n)
    scores = scores + bias.unsqueeze(1);                                                               // (B, H, 1, n)
  }
  auto y = torch::matmul(torch::softmax(scores, -1), cache.values());  // (B, H, 1, hd)
  return out_proj(y.reshape({B, c_.d_model}));                        // (B, D)
}

// ---------------------------------------------------------------------------------------------
// MLP and block

MlpImpl::MlpImpl(int64_t d_model, int64_t hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(d_model, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, d_model));
}

TransformerBlock::TransformerBlock(const ModelConfig& c) : config_(c) {
  norm = register_module("norm", Norm(c.d_model, c.norm, c.norm_eps));
  mixer = register_module("mixer", Attention(c));
  norm2 = register_module("norm2", Norm(c.d_model, c.norm, c.norm_eps));
  mlp = register_module("mlp", Mlp(c.d_model, c.mlp_ratio * c.d_model));
}

torch::Tensor TransformerBlock::forward(const torch::Tensor& h) {
  auto a = h + mixer(norm(h));
  return a + mlp(norm2(a));
}

torch::Tensor TransformerBlock::step(const torch::Tensor& h, LayerCache& cache, int64_t position) {
  auto a = h + mixer->step(norm(h), static_cast<KVCache&>(cache), position);
  return a + mlp(norm2(a));
}

std::unique_ptr<LayerCache> TransformerBlock::make_cache(int64_t batch, torch::Dtype dtype) const {
  return std::make_unique<KVCache>(batch, config_.n_head, config_.head_dim(), config_.window, dtype);
}

int64_t TransformerBlock::state_bytes(int64_t t, int64_t bytes_per_value) const {
  const int64_t cached = config_.window > 0 ? std::min(t, config_.window) : t;
  return 2 * cached * config_.d_model * bytes_per_value;  // keys and values
}

// GPT-2 initialisation: weights N(0, 0.02), biases 0, residual projections N(0, 0.02/√(2·n_layer)).
void TransformerBlock::reset_parameters() {
  torch::NoGradGuard no_grad;
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config_.n_layer));
  for (auto* n : {&norm, &norm2}) {
    (*n)->weight.fill_(1.0);
    if ((*n)->bias.defined()) (*n)->bias.zero_();
  }
  for (auto* lin : {&mixer->in_proj, &mixer->out_proj, &mlp->fc1, &mlp->fc2}) {
    (*lin)->weight.normal_(0.0, 0.02);
    (*lin)->bias.zero_();
  }
  mixer->out_proj->weight.normal_(0.0, residual_std);
  mlp->fc2->weight.normal_(0.0, residual_std);
}

}  // namespace fl
