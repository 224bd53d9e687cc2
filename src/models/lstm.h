// LSTM block: the recurrent baseline of Jelassi et al. 2024 (arXiv 2402.01032) on copy.
//   h = h + out_proj(LSTM(Norm(h)))
//   LSTM, per token t (PyTorch's nn.LSTM, one layer, gates ordered i, f, g, o):
//     [i; f; g; o] = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh      (4H)
//     i, f, o = σ(·);  g = tanh(·)
//     c_t = f ⊙ c_{t−1} + i ⊙ g;   h_t = o ⊙ tanh(c_t)          (H) each, h_{−1} = c_{−1} = 0
// The block keeps the frame every family shares (pre-norm residual, final norm, tied head), with
// the LSTM as the mixer and a projection H → D back to the residual stream (docs/MODELS.md, "LSTM",
// says why not a bare stacked nn.LSTM). Forward runs libtorch's torch::lstm (autograd through it);
// step runs torch::lstm_cell with an LstmCache (h, c).
// Parameter names follow nn.LSTM(D, H) with an out_proj: norm.weight, mixer.{weight_ih_l0 (4H, D),
// weight_hh_l0 (4H, H), bias_ih_l0 (4H), bias_hh_l0 (4H), out_proj.weight (D, H)}.
#pragma once
#include <torch/torch.h>

#include "models/block.h"
#include "models/model_config.h"
#include "models/norm.h"

namespace fl {

class LstmMixerImpl : public torch::nn::Module {
 public:
  explicit LstmMixerImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x);                  // (B, L, D) → (B, L, D)
  torch::Tensor step(const torch::Tensor& x, LstmCache& cache);  // (B, D) → (B, D)
  void reset_parameters(const ModelConfig& c);

  torch::Tensor weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0;
  torch::nn::Linear out_proj{nullptr};

 private:
  int64_t hidden_;
};
TORCH_MODULE(LstmMixer);

class LstmBlock : public Block {
 public:
  explicit LstmBlock(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& h) override;
  torch::Tensor step(const torch::Tensor& h, LayerCache& cache, int64_t position) override;
  std::unique_ptr<LayerCache> make_cache(int64_t batch, torch::Dtype dtype) const override;
  int64_t state_bytes(int64_t t, int64_t bytes_per_value) const override;
  void reset_parameters() override;

  Norm norm{nullptr};
  LstmMixer mixer{nullptr};

 private:
  ModelConfig config_;
};

}  // namespace fl
