// The LSTM block (src/models/lstm.h): PyTorch nn.LSTM's parameter names, shapes and
// initialisation; its forward is nn.LSTM's equations (gates i, f, g, o) written out by hand; its
// state is h and c, 2·H values per layer whatever t. Step = forward: test_step_equivalence.cpp;
// gradients: test_gradients.cpp; the torch-free step: tests/infer/test_step_engine.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "models/lm.h"
#include "models/lstm.h"
#include "support/constant_state.h"
#include "support/fixtures.h"

namespace fl {
namespace {

LanguageModel lstm_model(const std::string& model_json) {
  const auto config = test_support::config_from_json(R"({"task": {"vocab": 10}, "model": )" + model_json + "}");
  torch::manual_seed(5);
  return LanguageModel(config.model);
}

TEST(LstmBlock, ParametersHaveNnLstmsNamesShapesAndInitialisation) {
  const auto model = lstm_model(R"({"type": "lstm", "d_model": 16, "n_layer": 2, "lstm_hidden": 64})");
  const int64_t D = 16, H = 64;
  const std::map<std::string, std::vector<int64_t>> shapes = {
      {"norm.weight", {D}},           {"mixer.weight_ih_l0", {4 * H, D}}, {"mixer.weight_hh_l0", {4 * H, H}},
      {"mixer.bias_ih_l0", {4 * H}},  {"mixer.bias_hh_l0", {4 * H}},      {"mixer.out_proj.weight", {D, H}}};
  const auto params = model->named_parameters();
  for (int64_t layer = 0; layer < 2; ++layer)
    for (const auto& [name, shape] : shapes) {
      const std::string key = "backbone.layers." + std::to_string(layer) + "." + name;
      ASSERT_NE(params.find(key), nullptr) << key;
      const torch::Tensor& p = params[key];
      EXPECT_EQ(p.sizes().vec(), shape) << key;
      EXPECT_EQ(LanguageModelImpl::decays(key, p), p.dim() == 2) << key;  // weights decay, biases and norms not
      if (name.find("_l0") == std::string::npos) continue;
      // nn.LSTM: U(±1/√H), whose standard deviation is 1/√(3H).
      const double bound = 1 / std::sqrt(static_cast<double>(H));
      EXPECT_LE(p.abs().max().item<double>(), bound) << key;
      EXPECT_NEAR(p.std().item<double>(), bound / std::sqrt(3.0), 0.1 * bound) << key;
    }
  EXPECT_EQ(params.size(), 2 * shapes.size() + 2);  // + the embedding and norm_f
}

// h_t = o ⊙ tanh(c_t), c_t = f ⊙ c_{t−1} + i ⊙ g, [i; f; g; o] = W_ih x + b_ih + W_hh h + b_hh,
// then the block's out_proj and residual, in float64.
TEST(LstmBlock, ForwardIsPyTorchsLstmEquations) {
  auto model = lstm_model(R"({"type": "lstm", "d_model": 8, "n_layer": 1, "lstm_hidden": 6})");
  model->to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  auto& block = dynamic_cast<LstmBlock&>(model->layer(0));
  const auto& m = *block.mixer;
  const int64_t B = 2, L = 5, H = 6;
  auto x = torch::randn({B, L, 8}, torch::kFloat64);
  auto normed = block.norm(x);  // (B, L, D)
  auto h = torch::zeros({B, H}, torch::kFloat64), c = torch::zeros({B, H}, torch::kFloat64);
  std::vector<torch::Tensor> outputs;
  for (int64_t t = 0; t < L; ++t) {
    auto gates = torch::matmul(normed.select(1, t), m.weight_ih_l0.t()) + m.bias_ih_l0 +
                 torch::matmul(h, m.weight_hh_l0.t()) + m.bias_hh_l0;  // (B, 4H)
    auto parts = gates.chunk(4, -1);
    c = torch::sigmoid(parts[1]) * c + torch::sigmoid(parts[0]) * torch::tanh(parts[2]);
    h = torch::sigmoid(parts[3]) * torch::tanh(c);
    outputs.push_back(x.select(1, t) + torch::matmul(h, m.out_proj->weight.t()));  // (B, D)
  }
  const auto expected = torch::stack(outputs, 1);  // (B, L, D)
  EXPECT_LE((block.forward(x) - expected).abs().max().item<double>(), 1e-12);
}

TEST(LstmBlock, StateIsHAndCWhateverTheLength) {
  auto model = lstm_model(R"({"type": "lstm", "d_model": 16, "n_layer": 3, "lstm_hidden": 24})");
  test_support::expect_constant_state(model, 3 * 2 * 24 * 4);  // layers · (h, c) · H · 4 bytes
}

}  // namespace
}  // namespace fl
