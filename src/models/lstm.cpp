#include "models/lstm.h"

#include <cmath>

namespace fl {

// ---------------------------------------------------------------------------------------------
// Mixer

LstmMixerImpl::LstmMixerImpl(const ModelConfig& c) : hidden_(c.lstm_size()) {
  const int64_t D = c.d_model, H = hidden_;
  weight_ih_l0 = register_parameter("weight_ih_l0", torch::empty({4 * H, D}));
  weight_hh_l0 = register_parameter("weight_hh_l0", torch::empty({4 * H, H}));
  bias_ih_l0 = register_parameter("bias_ih_l0", torch::empty({4 * H}));
  bias_hh_l0 = register_parameter("bias_hh_l0", torch::empty({4 * H}));
  out_proj = register_module("out_proj", torch::nn::Linear(torch::nn::LinearOptions(H, D).bias(false)));
}

void LstmMixerImpl::reset_parameters(const ModelConfig& c) {
  torch::NoGradGuard no_grad;
  // nn.LSTM's reset_parameters: every weight and bias ~ U(±1/√H).
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_));
  for (auto* p : {&weight_ih_l0, &weight_hh_l0, &bias_ih_l0, &bias_hh_l0}) p->uniform_(-bound, bound);
  // out_proj: PyTorch's Linear init, kaiming-uniform(a = √5), scaled by 1/√n_layer as Mamba's out_proj.
  torch::nn::init::kaiming_uniform_(out_proj->weight, std::sqrt(5.0));
  out_proj->weight.div_(std::sqrt(static_cast<double>(c.n_layer)));
}

torch::Tensor LstmMixerImpl::forward(const torch::Tensor& x) {
  const auto zeros = torch::zeros({1, x.size(0), hidden_}, x.options());  // (1, B, H) h_{−1} = c_{−1}
  auto y = std::get<0>(torch::lstm(x, {zeros, zeros}, {weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0},
                                   /*has_biases=*/true, /*num_layers=*/1, /*dropout=*/0.0, /*train=*/false,
                                   /*bidirectional=*/false, /*batch_first=*/true));  // (B, L, H)
  return out_proj(y);                                                                  // (B, L, D)
}

torch::Tensor LstmMixerImpl::step(const torch::Tensor& x, LstmCache& cache) {
  auto [h, c] = torch::lstm_cell(x, {cache.h, cache.c}, weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0);  // (B, H) each
  cache.h = h, cache.c = c;
  return out_proj(h);  // (B, D)
}

// ---------------------------------------------------------------------------------------------
// Block

LstmBlock::LstmBlock(const ModelConfig& c) : config_(c) {
  norm = register_module("norm", Norm(c.d_model, c.norm, c.norm_eps));
  mixer = register_module("mixer", LstmMixer(c));
}

torch::Tensor LstmBlock::forward(const torch::Tensor& h) { return h + mixer(norm(h)); }

torch::Tensor LstmBlock::step(const torch::Tensor& h, LayerCache& cache, int64_t /*position*/) {
  return h + mixer->step(norm(h), static_cast<LstmCache&>(cache));
}

std::unique_ptr<LayerCache> LstmBlock::make_cache(int64_t batch, torch::Dtype dtype) const {
  return std::make_unique<LstmCache>(batch, config_.lstm_size(), dtype);
}

int64_t LstmBlock::state_bytes(int64_t /*t*/, int64_t bytes_per_value) const {
  return 2 * config_.lstm_size() * bytes_per_value;
}

void LstmBlock::reset_parameters() {
  torch::NoGradGuard no_grad;
  norm->weight.fill_(1.0);
  if (norm->bias.defined()) norm->bias.zero_();
  mixer->reset_parameters(config_);
}

}  // namespace fl
