#include "models/mamba2.h"

#include <cmath>

#include "kernels/causal_conv.h"
#include "kernels/linear_scan.h"

namespace fl {

namespace F = torch::nn::functional;

// ---------------------------------------------------------------------------------------------
// Mixer

Mamba2MixerImpl::Mamba2MixerImpl(const ModelConfig& c)
    : d_inner_(c.d_inner()), d_state_(c.d_state), heads_(c.mamba2_heads()), headdim_(c.headdim), groups_(c.ngroups) {
  const int64_t Di = d_inner_, GN = groups_ * d_state_, Hm = heads_;
  in_proj = register_module("in_proj",
                            torch::nn::Linear(torch::nn::LinearOptions(c.d_model, 2 * Di + 2 * GN + Hm).bias(false)));
  conv1d = register_module("conv1d", CausalConv(c.mamba2_conv_dim(), c.d_conv));
  dt_bias = register_parameter("dt_bias", torch::empty({Hm}));
  A_log = register_parameter("A_log", torch::empty({Hm}));
  D = register_parameter("D", torch::empty({Hm}));
  norm = register_module("norm", GatedRmsNorm(Di, Di / groups_, c.norm_eps, /*norm_before_gate=*/false));
  out_proj = register_module("out_proj", torch::nn::Linear(torch::nn::LinearOptions(Di, c.d_model).bias(false)));
}

// Mamba2.__init__ with MambaLMHeadModel's _init_weights: PyTorch's Linear and Conv1d defaults
// (kaiming-uniform(a = √5), i.e. U(±1/√fan_in)); dt_bias = softplus⁻¹(dt), dt log-uniform in
// [dt_min, dt_max] and floored; A = U(1, 16) per head, A_log = log A; D = 1; out_proj / √n_layer.
void Mamba2MixerImpl::reset_parameters(const ModelConfig& c) {
  torch::NoGradGuard no_grad;
  namespace init = torch::nn::init;
  const double a = std::sqrt(5.0);
  init::kaiming_uniform_(in_proj->weight, a);
  const double conv_bound = 1.0 / std::sqrt(static_cast<double>(c.d_conv));  // depthwise: fan_in = K
  conv1d->weight.uniform_(-conv_bound, conv_bound);
  conv1d->bias.uniform_(-conv_bound, conv_bound);
  auto dt = torch::exp(torch::rand({heads_}, torch::kFloat64) * (std::log(c.dt_max) - std::log(c.dt_min)) +
                       std::log(c.dt_min))
                .clamp_min(c.dt_init_floor);
  dt_bias.copy_(dt + torch::log(-torch::expm1(-dt)));
  A_log.copy_(torch::log(torch::empty({heads_}, torch::kFloat64).uniform_(1.0, 16.0)));
  D.fill_(1.0);
  norm->weight.fill_(1.0);
  init::kaiming_uniform_(out_proj->weight, a);
  out_proj->weight.div_(std::sqrt(static_cast<double>(c.n_layer)));
}

torch::Tensor Mamba2MixerImpl::per_head(const torch::Tensor& grouped) const {
  auto sizes = grouped.sizes().vec();
  sizes.back() = groups_;
  sizes.push_back(1);
  sizes.push_back(d_state_);                                    // (..., G, 1, N)
  auto expanded = sizes;
  expanded[expanded.size() - 2] = heads_ / groups_;             // (..., G, Hm/G, N)
  auto out = grouped.reshape(sizes).expand(expanded);
  sizes.erase(sizes.end() - 2);
  sizes[sizes.size() - 2] = heads_;                             // (..., Hm, N)
  return out.reshape(sizes);
}

Mamba2ScanOperands Mamba2MixerImpl::scan_operands(const torch::Tensor& h) {
  const int64_t B = h.size(0), L = h.size(1), Di = d_inner_, GN = groups_ * d_state_;
  auto zxbcdt = in_proj(h);                                                                   // (B, L, 2Di + 2GN + Hm)
  auto xBC = kernels::causal_conv1d_silu(zxbcdt.narrow(-1, Di, Di + 2 * GN), conv1d->weight, conv1d->bias);  // (B, L, Cc)
  auto dt = F::softplus(zxbcdt.narrow(-1, 2 * Di + 2 * GN, heads_) + dt_bias);              // (B, L, Hm)
  auto x = xBC.narrow(-1, 0, Di).reshape({B, L, heads_, headdim_});                          // (B, L, Hm, P)
  return {per_head(xBC.narrow(-1, Di + GN, GN)), per_head(xBC.narrow(-1, Di, GN)), x * dt.unsqueeze(-1),
          (dt * -torch::exp(A_log)).unsqueeze(-1), x, zxbcdt.narrow(-1, 0, Di)};
}

torch::Tensor Mamba2MixerImpl::forward(const torch::Tensor& h) {
  const auto s = scan_operands(h);
  auto y = kernels::linear_scan(s.q, s.k, s.v, s.log_decay) + s.x * D.unsqueeze(-1);  // (B, L, Hm, P)
  return out_proj(norm(y.flatten(2), s.z));                                              // (B, L, D)
}

torch::Tensor Mamba2MixerImpl::step(const torch::Tensor& h, Mamba2Cache& cache) {
  const int64_t B = h.size(0), Di = d_inner_, GN = groups_ * d_state_;
  auto zxbcdt = in_proj(h);                                              // (B, 2Di + 2GN + Hm)
  auto& conv = cache.conv_state;                                         // (B, Cc, K)
  conv.copy_(torch::cat({conv.narrow(2, 1, conv.size(2) - 1), zxbcdt.narrow(-1, Di, Di + 2 * GN).unsqueeze(-1)}, 2));
  auto xBC = torch::silu((conv * conv1d->weight.squeeze(1)).sum(-1) + conv1d->bias);  // (B, Cc)
  auto x = xBC.narrow(-1, 0, Di).reshape({B, heads_, headdim_});        // (B, Hm, P)
  auto Bm = per_head(xBC.narrow(-1, Di, GN)), Cm = per_head(xBC.narrow(-1, Di + GN, GN));  // (B, Hm, N)
  auto dt = F::softplus(zxbcdt.narrow(-1, 2 * Di + 2 * GN, heads_) + dt_bias);  // (B, Hm)
  auto& s = cache.ssm_state;                                             // (B, Hm, P, N)
  s.mul_(torch::exp(dt * -torch::exp(A_log)).unsqueeze(-1).unsqueeze(-1))
      .add_((x * dt.unsqueeze(-1)).unsqueeze(-1) * Bm.unsqueeze(2));
  auto y = torch::matmul(s, Cm.unsqueeze(-1)).squeeze(-1) + x * D.unsqueeze(-1);  // (B, Hm, P)
  return out_proj(norm(y.reshape({B, Di}), zxbcdt.narrow(-1, 0, Di)));   // (B, D)
}

// ---------------------------------------------------------------------------------------------
// Block

Mamba2Block::Mamba2Block(const ModelConfig& c) : config_(c) {
  norm = register_module("norm", Norm(c.d_model, c.norm, c.norm_eps));
  mixer = register_module("mixer", Mamba2Mixer(c));
}

torch::Tensor Mamba2Block::forward(const torch::Tensor& h) { return h + mixer(norm(h)); }

torch::Tensor Mamba2Block::step(const torch::Tensor& h, LayerCache& cache, int64_t /*position*/) {
  return h + mixer->step(norm(h), static_cast<Mamba2Cache&>(cache));
}

std::unique_ptr<LayerCache> Mamba2Block::make_cache(int64_t batch, torch::Dtype dtype) const {
  return std::make_unique<Mamba2Cache>(batch, config_.mamba2_conv_dim(), config_.d_conv, config_.mamba2_heads(),
                                       config_.headdim, config_.d_state, dtype);
}

int64_t Mamba2Block::state_bytes(int64_t /*t*/, int64_t bytes_per_value) const {
  return (config_.mamba2_conv_dim() * config_.d_conv + config_.d_inner() * config_.d_state) * bytes_per_value;
}

void Mamba2Block::reset_parameters() {
  torch::NoGradGuard no_grad;
  norm->weight.fill_(1.0);
  if (norm->bias.defined()) norm->bias.zero_();
  mixer->reset_parameters(config_);
}

}  // namespace fl
