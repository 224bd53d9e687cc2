#include "models/mamba.h"

#include <cmath>

#include "kernels/causal_conv.h"
#include "kernels/selective_scan.h"

namespace fl {

namespace F = torch::nn::functional;

// ---------------------------------------------------------------------------------------------
// Causal depthwise conv: parameters only; the op is kernels::causal_conv1d_silu.

CausalConvImpl::CausalConvImpl(int64_t channels, int64_t kernel) {
  weight = register_parameter("weight", torch::empty({channels, 1, kernel}));
  bias = register_parameter("bias", torch::empty({channels}));
}

// ---------------------------------------------------------------------------------------------
// Mixer

MambaMixerImpl::MambaMixerImpl(const ModelConfig& c)
    : d_inner_(c.d_inner()), d_state_(c.d_state), dt_rank_(c.dt_rank) {
  const int64_t D = c.d_model, Di = d_inner_, N = d_state_, R = dt_rank_;
  in_proj = register_module("in_proj", torch::nn::Linear(torch::nn::LinearOptions(D, 2 * Di).bias(false)));
  conv1d = register_module("conv1d", CausalConv(Di, c.d_conv));
  x_proj = register_module("x_proj", torch::nn::Linear(torch::nn::LinearOptions(Di, R + 2 * N).bias(false)));
  dt_proj = register_module("dt_proj", torch::nn::Linear(torch::nn::LinearOptions(R, Di).bias(true)));
  A_log = register_parameter("A_log", torch::empty({Di, N}));
  this->D = register_parameter("D", torch::empty({Di}));
  out_proj = register_module("out_proj", torch::nn::Linear(torch::nn::LinearOptions(Di, D).bias(false)));
}

void MambaMixerImpl::reset_parameters(const ModelConfig& c) {
  torch::NoGradGuard no_grad;
  namespace init = torch::nn::init;
  const double a = std::sqrt(5.0);  // PyTorch's default Linear/Conv init: kaiming-uniform(a = √5)
  init::kaiming_uniform_(in_proj->weight, a);
  init::kaiming_uniform_(x_proj->weight, a);
  const double conv_bound = 1.0 / std::sqrt(static_cast<double>(c.d_conv));  // depthwise: fan_in = K
  conv1d->weight.uniform_(-conv_bound, conv_bound);
  conv1d->bias.uniform_(-conv_bound, conv_bound);
  // dt_proj: weight ~ U(±R^-1/2); bias = softplus⁻¹(dt), dt log-uniform in [dt_min, dt_max], floored.
  const double std_dt = std::pow(static_cast<double>(dt_rank_), -0.5);
  dt_proj->weight.uniform_(-std_dt, std_dt);
  auto dt = torch::exp(torch::rand({d_inner_}, torch::kFloat64) * (std::log(c.dt_max) - std::log(c.dt_min)) +
                       std::log(c.dt_min))
                .clamp_min(c.dt_init_floor);
  dt_proj->bias.copy_(dt + torch::log(-torch::expm1(-dt)));
  // A_log[d, n] = log(n + 1) (S4D-real), D = 1.
  A_log.copy_(torch::log(torch::arange(1, d_state_ + 1, torch::kFloat32)).expand({d_inner_, d_state_}));
  D.fill_(1.0);
  // out_proj: kaiming-uniform(a = √5), then scaled by 1/√n_layer (rescale_prenorm_residual).
  init::kaiming_uniform_(out_proj->weight, a);
  out_proj->weight.div_(std::sqrt(static_cast<double>(c.n_layer)));
}

MambaScanInputs MambaMixerImpl::scan_inputs(const torch::Tensor& h) {
  const int64_t Di = d_inner_, N = d_state_, R = dt_rank_;
  auto xz = in_proj(h);                                                                  // (B, L, 2Di)
  auto x = kernels::causal_conv1d_silu(xz.narrow(-1, 0, Di), conv1d->weight, conv1d->bias);  // (B, L, Di)
  auto x_dbl = x_proj(x);                                                                // (B, L, R + 2N)
  auto dt = torch::matmul(x_dbl.narrow(-1, 0, R), dt_proj->weight.t());                  // (B, L, Di), bias in the scan
  return {x, dt, x_dbl.narrow(-1, R, N), x_dbl.narrow(-1, R + N, N), xz.narrow(-1, Di, Di)};
}

torch::Tensor MambaMixerImpl::forward(const torch::Tensor& h) {
  const auto s = scan_inputs(h);
  auto y = kernels::selective_scan(s.x, s.dt_raw, -torch::exp(A_log), s.Bm, s.Cm, D, s.z, dt_proj->bias,
                                   /*delta_softplus=*/true);                             // (B, L, Di)
  return out_proj(y);                                                                    // (B, L, D)
}

torch::Tensor MambaMixerImpl::step(const torch::Tensor& h, MambaCache& cache) {
  auto xz = in_proj(h).chunk(2, -1);                                    // 2 × (B, Di)
  // Shift the conv window left and append this token's input.
  auto& conv = cache.conv_state;                                        // (B, Di, K)
  conv.copy_(torch::cat({conv.narrow(2, 1, conv.size(2) - 1), xz[0].unsqueeze(-1)}, 2));
  auto x = torch::silu((conv * conv1d->weight.squeeze(1)).sum(-1) + conv1d->bias);  // (B, Di)
  auto parts = x_proj(x).split_with_sizes({dt_rank_, d_state_, d_state_}, -1);
  auto dt = F::softplus(dt_proj(parts[0]));                             // (B, Di)
  auto A = -torch::exp(A_log);                                          // (Di, N)
  auto& s = cache.ssm_state;                                            // (B, Di, N)
  s.mul_(torch::exp(dt.unsqueeze(-1) * A)).add_((dt * x).unsqueeze(-1) * parts[1].unsqueeze(1));
  auto y = torch::matmul(s, parts[2].unsqueeze(-1)).squeeze(-1) + D * x;  // (B, Di)
  return out_proj(y * torch::silu(xz[1]));                              // (B, D)
}

// ---------------------------------------------------------------------------------------------
// Block

MambaBlock::MambaBlock(const ModelConfig& c) : config_(c) {
  norm = register_module("norm", Norm(c.d_model, c.norm, c.norm_eps));
  mixer = register_module("mixer", MambaMixer(c));
}

torch::Tensor MambaBlock::forward(const torch::Tensor& h) { return h + mixer(norm(h)); }

torch::Tensor MambaBlock::step(const torch::Tensor& h, LayerCache& cache, int64_t /*position*/) {
  return h + mixer->step(norm(h), static_cast<MambaCache&>(cache));
}

std::unique_ptr<LayerCache> MambaBlock::make_cache(int64_t batch, torch::Dtype dtype) const {
  return std::make_unique<MambaCache>(batch, config_.d_inner(), config_.d_conv, config_.d_state, dtype);
}

int64_t MambaBlock::state_bytes(int64_t /*t*/, int64_t bytes_per_value) const {
  return config_.d_inner() * (config_.d_conv + config_.d_state) * bytes_per_value;
}

void MambaBlock::reset_parameters() {
  torch::NoGradGuard no_grad;
  norm->weight.fill_(1.0);
  if (norm->bias.defined()) norm->bias.zero_();
  mixer->reset_parameters(config_);
}

}  // namespace fl
