// The Mamba-2 block (src/models/mamba2.h): mamba_ssm's parameter names, shapes and initialisation;
// its forward is the SSD recurrence written out per head in float64 (groups, the conv, the gated
// RMSNorm); its state is the conv window and the heads' P × N matrices whatever t. Step = forward:
// test_step_equivalence.cpp; gradients: test_gradients.cpp; the torch-free step:
// tests/infer/test_step_engine.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "models/lm.h"
#include "models/mamba2.h"
#include "support/constant_state.h"
#include "support/fixtures.h"

namespace fl {
namespace {

namespace F = torch::nn::functional;

LanguageModel mamba2_model(const std::string& model_json) {
  const auto config = test_support::config_from_json(R"({"task": {"vocab": 10}, "model": )" + model_json + "}");
  torch::manual_seed(5);
  return LanguageModel(config.model);
}

TEST(Mamba2Block, ParametersHaveMambaSsmsNamesShapesAndInitialisation) {
  const auto model = mamba2_model(R"({"type": "mamba2", "d_model": 16, "n_layer": 2, "d_state": 8, "headdim": 4,
                                      "ngroups": 2})");
  const int64_t D = 16, Di = 32, N = 8, G = 2, Hm = 8, K = 4, Cc = Di + 2 * G * N;
  const std::map<std::string, std::vector<int64_t>> shapes = {
      {"norm.weight", {D}},        {"mixer.in_proj.weight", {2 * Di + 2 * G * N + Hm, D}},
      {"mixer.conv1d.weight", {Cc, 1, K}}, {"mixer.conv1d.bias", {Cc}},
      {"mixer.dt_bias", {Hm}},     {"mixer.A_log", {Hm}},
      {"mixer.D", {Hm}},           {"mixer.norm.weight", {Di}},
      {"mixer.out_proj.weight", {D, Di}}};
  const auto params = model->named_parameters();
  for (int64_t layer = 0; layer < 2; ++layer)
    for (const auto& [name, shape] : shapes) {
      const std::string key = "backbone.layers." + std::to_string(layer) + "." + name;
      ASSERT_NE(params.find(key), nullptr) << key;
      EXPECT_EQ(params[key].sizes().vec(), shape) << key;
    }
  EXPECT_EQ(params.size(), 2 * shapes.size() + 2);  // + the embedding and norm_f
  const std::string p = "backbone.layers.1.mixer.";
  const auto A = torch::exp(params[p + "A_log"]);
  EXPECT_GE(A.min().item<double>(), 1.0 - 1e-6);   // A ~ U(1, 16)
  EXPECT_LE(A.max().item<double>(), 16.0 + 1e-5);
  const auto dt = F::softplus(params[p + "dt_bias"]);  // softplus(dt_bias) = dt ∈ [dt_min, dt_max]
  EXPECT_GE(dt.min().item<double>(), 0.001 * (1 - 1e-4));
  EXPECT_LE(dt.max().item<double>(), 0.1 * (1 + 1e-4));
  EXPECT_TRUE(torch::equal(params[p + "D"], torch::ones({Hm})));
  EXPECT_TRUE(torch::equal(params[p + "norm.weight"], torch::ones({Di})));
  const double conv_bound = 1 / std::sqrt(static_cast<double>(K));
  EXPECT_LE(params[p + "conv1d.weight"].abs().max().item<double>(), conv_bound);
  // out_proj: U(±1/√Di) then / √n_layer.
  EXPECT_LE(params[p + "out_proj.weight"].abs().max().item<double>(), 1 / std::sqrt(32.0) / std::sqrt(2.0) + 1e-7);
  EXPECT_FALSE(LanguageModelImpl::decays(p + "A_log", params[p + "A_log"]));
  EXPECT_FALSE(LanguageModelImpl::decays(p + "dt_bias", params[p + "dt_bias"]));
  EXPECT_TRUE(LanguageModelImpl::decays(p + "in_proj.weight", params[p + "in_proj.weight"]));
}

// mamba_ssm's Mamba2 forward, one head and one step at a time in float64: the conv over [x; B; C],
// head h reading group h / (Hm/G), s = exp(dt·A) s + dt x ⊗ B, y = s·C + D x, then
// RMS_group(y ⊙ SiLU(z)) · w and out_proj, plus the residual.
TEST(Mamba2Block, ForwardIsTheSsdRecurrenceWrittenOut) {
  auto model = mamba2_model(R"({"type": "mamba2", "d_model": 8, "n_layer": 1, "d_state": 3, "headdim": 2,
                                "ngroups": 2, "d_conv": 3})");
  model->to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  auto& block = dynamic_cast<Mamba2Block&>(model->layer(0));
  auto& m = *block.mixer;
  {  // away from the init (D = 1, norm weight 1) so that every parameter shows
    m.D.uniform_(0.5, 1.5);
    m.norm->weight.uniform_(0.5, 1.5);
  }
  const int64_t B = 2, L = 6, Di = 16, N = 3, G = 2, Hm = 8, P = 2, K = 3, GN = G * N, Cc = Di + 2 * GN;
  auto x = torch::randn({B, L, 8}, torch::kFloat64);
  auto zxbcdt = m.in_proj(block.norm(x));                                 // (B, L, 2Di + 2GN + Hm)
  auto xBC_in = zxbcdt.narrow(-1, Di, Cc).transpose(1, 2);                // (B, Cc, L)
  auto xBC = torch::silu(F::conv1d(xBC_in, m.conv1d->weight, F::Conv1dFuncOptions().bias(m.conv1d->bias)
                                                                     .padding(K - 1).groups(Cc))
                             .narrow(2, 0, L))
                 .transpose(1, 2);                                        // (B, L, Cc)
  const auto dt = F::softplus(zxbcdt.narrow(-1, 2 * Di + 2 * GN, Hm) + m.dt_bias);  // (B, L, Hm)
  const auto A = -torch::exp(m.A_log);
  auto y = torch::zeros({B, L, Di}, torch::kFloat64);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hm; ++h) {
      const int64_t g = h / (Hm / G);
      auto s = torch::zeros({P, N}, torch::kFloat64);
      for (int64_t t = 0; t < L; ++t) {
        const auto xh = xBC[b][t].narrow(0, h * P, P);                  // (P)
        const auto Bg = xBC[b][t].narrow(0, Di + g * N, N), Cg = xBC[b][t].narrow(0, Di + GN + g * N, N);
        const auto d = dt[b][t][h];
        s = torch::exp(d * A[h]) * s + torch::outer(d * xh, Bg);
        y[b][t].narrow(0, h * P, P).copy_(torch::mv(s, Cg) + m.D[h] * xh);
      }
    }
  auto gated = y * torch::silu(zxbcdt.narrow(-1, 0, Di));                 // (B, L, Di)
  auto grouped = gated.reshape({B, L, G, Di / G});
  auto normed = (grouped * torch::rsqrt(grouped.pow(2).mean(-1, true) + 1e-5)).reshape({B, L, Di}) * m.norm->weight;
  const auto expected = x + m.out_proj(normed);
  EXPECT_LE((block.forward(x) - expected).abs().max().item<double>(), 1e-12);
}

TEST(Mamba2Block, StateIsTheConvWindowAndTheHeadsMatricesWhateverTheLength) {
  auto model = mamba2_model(R"({"type": "mamba2", "d_model": 16, "n_layer": 3, "d_state": 8, "headdim": 8})");
  const int64_t Cc = 32 + 2 * 8, per_layer = (Cc * 4 + 32 * 8) * 4;  // (Cc·K + Di·N) floats
  test_support::expect_constant_state(model, 3 * per_layer);
}

}  // namespace
}  // namespace fl
