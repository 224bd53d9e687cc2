#include "models/linear_attention.h"

#include <cmath>
#include <vector>

#include "kernels/linear_scan.h"

namespace fl {

namespace F = torch::nn::functional;

// ---------------------------------------------------------------------------------------------
// Mixer

LinearAttentionImpl::LinearAttentionImpl(const ModelConfig& c) : c_(c) {
  const int64_t D = c.d_model;
  const auto linear = [&](const char* name) {
    return register_module(name, torch::nn::Linear(torch::nn::LinearOptions(D, D).bias(false)));
  };
  q_proj = linear("q_proj"), k_proj = linear("k_proj"), v_proj = linear("v_proj");
  g_proj = linear("g_proj"), o_proj = linear("o_proj");
  if (c.decay == "gla")
    gk_proj = register_module(
        "gk_proj", torch::nn::Sequential(torch::nn::Linear(torch::nn::LinearOptions(D, kGlaGateRank).bias(false)),
                                         torch::nn::Linear(torch::nn::LinearOptions(kGlaGateRank, D).bias(true))));
  g_norm = register_module("g_norm", GatedRmsNorm(c.head_dim(), c.head_dim(), c.norm_eps, /*norm_before_gate=*/true));
}

LinearAttentionOperands LinearAttentionImpl::operands(const torch::Tensor& x) {
  auto heads = [&](const torch::Tensor& t) {  // (B, L, D) → (B, L, H, hd)
    return t.reshape({t.size(0), t.size(1), c_.n_head, c_.head_dim()});
  };
  LinearAttentionOperands op{heads(q_proj(x)) / std::sqrt(static_cast<double>(c_.head_dim())), heads(k_proj(x)),
                             heads(v_proj(x)), {}};
  if (c_.decay == "gla") {
    op.log_decay = heads(F::logsigmoid(gk_proj->forward(x)) / kGlaGateTemperature);  // (B, L, H, hd)
  } else if (c_.decay == "fixed") {
    std::vector<double> log_gamma;
    for (int64_t h = 0; h < c_.n_head; ++h) log_gamma.push_back(ModelConfig::fixed_log_decay(h));
    op.log_decay = torch::tensor(log_gamma, x.options().dtype(torch::kFloat64))
                       .to(x.scalar_type())
                       .reshape({1, 1, c_.n_head, 1})
                       .expand({x.size(0), x.size(1), c_.n_head, 1});                     // (B, L, H, 1)
  }
  return op;
}

torch::Tensor LinearAttentionImpl::output(const torch::Tensor& o, const torch::Tensor& x) {
  auto gate = g_proj(x);                                   // (…, D)
  auto gate_heads = gate.reshape(o.sizes());               // (…, H, hd)
  return o_proj(g_norm(o, gate_heads).flatten(-2));        // (…, D)
}

torch::Tensor LinearAttentionImpl::forward(const torch::Tensor& x) {
  const auto op = operands(x);
  return output(kernels::linear_scan(op.q, op.k, op.v, op.log_decay), x);  // (B, L, D)
}

torch::Tensor LinearAttentionImpl::step(const torch::Tensor& x, LinearAttentionCache& cache) {
  const auto op = operands(x.unsqueeze(1));               // (B, 1, H, ·)
  auto& S = cache.state;                                  // (B, H, hd, hd) keys × values
  if (op.log_decay.defined()) S.mul_(torch::exp(op.log_decay.squeeze(1)).unsqueeze(-1));  // rows i scaled by α_i
  S.add_(op.k.squeeze(1).unsqueeze(-1) * op.v.squeeze(1).unsqueeze(-2));
  auto o = torch::matmul(op.q.squeeze(1).unsqueeze(-2), S).squeeze(-2);  // (B, H, hd)
  return output(o, x);                                    // (B, D)
}

// ---------------------------------------------------------------------------------------------
// Block

LinearAttentionBlock::LinearAttentionBlock(const ModelConfig& c) : config_(c) {
  norm = register_module("norm", Norm(c.d_model, c.norm, c.norm_eps));
  mixer = register_module("mixer", LinearAttention(c));
  norm2 = register_module("norm2", Norm(c.d_model, c.norm, c.norm_eps));
  mlp = register_module("mlp", Mlp(c.d_model, c.mlp_ratio * c.d_model));
}

torch::Tensor LinearAttentionBlock::forward(const torch::Tensor& h) {
  auto a = h + mixer(norm(h));
  return a + mlp(norm2(a));
}

torch::Tensor LinearAttentionBlock::step(const torch::Tensor& h, LayerCache& cache, int64_t /*position*/) {
  auto a = h + mixer->step(norm(h), static_cast<LinearAttentionCache&>(cache));
  return a + mlp(norm2(a));
}

std::unique_ptr<LayerCache> LinearAttentionBlock::make_cache(int64_t batch, torch::Dtype dtype) const {
  return std::make_unique<LinearAttentionCache>(batch, config_.n_head, config_.head_dim(), dtype);
}

int64_t LinearAttentionBlock::state_bytes(int64_t /*t*/, int64_t bytes_per_value) const {
  return config_.d_model * config_.head_dim() * bytes_per_value;  // H matrices of hd × hd
}

// fla's initialisation (as the Transformer's GPT-2 one): weights N(0, 0.02), biases 0, the
// residual projections o_proj and fc2 N(0, 0.02/√(2·n_layer)); norms 1.
void LinearAttentionBlock::reset_parameters() {
  torch::NoGradGuard no_grad;
  for (auto* n : {&norm, &norm2}) {
    (*n)->weight.fill_(1.0);
    if ((*n)->bias.defined()) (*n)->bias.zero_();
  }
  mixer->g_norm->weight.fill_(1.0);
  for (auto& p : mixer->named_parameters()) {
    if (p.key().find("g_norm") != std::string::npos) continue;
    if (p.value().dim() == 1) p.value().zero_();
    else p.value().normal_(0.0, 0.02);
  }
  for (auto* lin : {&mlp->fc1, &mlp->fc2}) {
    (*lin)->weight.normal_(0.0, 0.02);
    (*lin)->bias.zero_();
  }
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config_.n_layer));
  mixer->o_proj->weight.normal_(0.0, residual_std);
  mlp->fc2->weight.normal_(0.0, residual_std);
}

}  // namespace fl
