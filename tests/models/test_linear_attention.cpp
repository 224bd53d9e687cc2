// The linear-attention block (src/models/linear_attention.h): the paper's lens as a model. Its
// mixer's core is y_i = Σ_{j≤i} α_ij (q_i·k_j) v_j with α_ij = Π_{r=j+1..i} α_r, written here as
// that double sum in float64 for each decay (none, fixed, gla); the output path is RMS_head(o)·w ⊙
// SiLU(g) and o_proj; fla's names; a constant state. Step = forward: test_step_equivalence.cpp;
// gradients: test_gradients.cpp; the torch-free step: tests/infer/test_step_engine.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "kernels/linear_scan.h"
#include "models/linear_attention.h"
#include "models/lm.h"
#include "support/constant_state.h"
#include "support/fixtures.h"

namespace fl {
namespace {

LanguageModel linear_model(const std::string& decay, int64_t n_layer = 1) {
  const auto config = test_support::config_from_json(
      R"({"task": {"vocab": 10}, "model": {"type": "linear", "d_model": 8, "n_head": 2, "n_layer": )" +
      std::to_string(n_layer) + R"(, "decay": ")" + decay + R"("}})");
  torch::manual_seed(5);
  return LanguageModel(config.model);
}

TEST(LinearAttentionBlock, ParametersHaveFlasNamesAndShapes) {
  const int64_t D = 8, hd = 4, r = kGlaGateRank;
  for (const char* decay : {"none", "fixed", "gla"}) {
    SCOPED_TRACE(decay);
    const auto params = linear_model(decay)->named_parameters();
    std::map<std::string, std::vector<int64_t>> shapes = {
        {"norm.weight", {D}},           {"mixer.q_proj.weight", {D, D}}, {"mixer.k_proj.weight", {D, D}},
        {"mixer.v_proj.weight", {D, D}}, {"mixer.g_proj.weight", {D, D}}, {"mixer.o_proj.weight", {D, D}},
        {"mixer.g_norm.weight", {hd}},  {"norm2.weight", {D}},           {"mlp.fc1.weight", {4 * D, D}},
        {"mlp.fc1.bias", {4 * D}},      {"mlp.fc2.weight", {D, 4 * D}},  {"mlp.fc2.bias", {D}}};
    if (std::string(decay) == "gla")
      shapes.insert({{"mixer.gk_proj.0.weight", {r, D}}, {"mixer.gk_proj.1.weight", {D, r}}, {"mixer.gk_proj.1.bias", {D}}});
    for (const auto& [name, shape] : shapes) {
      const std::string key = "backbone.layers.0." + name;
      ASSERT_NE(params.find(key), nullptr) << key;
      EXPECT_EQ(params[key].sizes().vec(), shape) << key;
    }
    EXPECT_EQ(params.size(), shapes.size() + 2);  // + the embedding and norm_f
    EXPECT_NEAR(params["backbone.layers.0.mixer.q_proj.weight"].std().item<double>(), 0.02, 0.01);
  }
}

// The decays each variant feeds the scan: none → no decay (α = 1); fixed → log(1 − 2^(−5−h)) for
// every token; gla → logsigmoid(gk_proj(x)) / 16 per key channel.
TEST(LinearAttentionBlock, DecaysAreNoneRetNetsOrGlasGate) {
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({2, 5, 8});
  auto none = linear_model("none"), fixed = linear_model("fixed"), gla = linear_model("gla");
  EXPECT_FALSE(dynamic_cast<LinearAttentionBlock&>(none->layer(0)).mixer->operands(x).log_decay.defined());
  const auto f = dynamic_cast<LinearAttentionBlock&>(fixed->layer(0)).mixer->operands(x).log_decay;  // (B, L, H, 1)
  ASSERT_EQ(f.sizes().vec(), (std::vector<int64_t>{2, 5, 2, 1}));
  for (int64_t h = 0; h < 2; ++h)
    EXPECT_NEAR(f[1][3][h][0].item<double>(), std::log(1 - std::exp2(-5.0 - static_cast<double>(h))), 1e-7);
  auto& g = *dynamic_cast<LinearAttentionBlock&>(gla->layer(0)).mixer;
  const auto expected = torch::log_sigmoid(g.gk_proj->forward(x)) / 16;
  EXPECT_TRUE(torch::allclose(g.operands(x).log_decay.reshape({2, 5, 8}), expected));
}

// The block, in float64, against y_i = Σ_{j≤i} α_ij (q_i·k_j) v_j summed pair by pair, then
// RMS_head(y)·w ⊙ SiLU(W_g x), o_proj, the residual and the MLP.
TEST(LinearAttentionBlock, MixerIsTheDecayedAttentionSum) {
  for (const char* decay : {"none", "fixed", "gla"}) {
    SCOPED_TRACE(decay);
    auto model = linear_model(decay);
    model->to(torch::kFloat64);
    torch::NoGradGuard no_grad;
    auto& block = dynamic_cast<LinearAttentionBlock&>(model->layer(0));
    auto& m = *block.mixer;
    m.g_norm->weight.uniform_(0.5, 1.5);
    const int64_t B = 2, L = 7, H = 2, hd = 4;
    const auto x = torch::randn({B, L, 8}, torch::kFloat64);
    const auto u = block.norm(x);
    const auto op = m.operands(u);
    auto log_alpha = op.log_decay.defined() ? op.log_decay.expand({B, L, H, hd}) : torch::zeros({B, L, H, hd}, torch::kFloat64);
    auto y = torch::zeros({B, L, H, hd}, torch::kFloat64);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < L; ++i)
          for (int64_t j = 0; j <= i; ++j) {
            // α_ij per key channel: Π_{r=j+1..i} α_r.
            const auto alpha = torch::exp(log_alpha[b].narrow(0, j + 1, i - j).select(1, h).sum(0));  // (hd)
            y[b][i][h].add_((op.q[b][i][h] * alpha * op.k[b][j][h]).sum() * op.v[b][j][h]);
          }
    EXPECT_LE((kernels::linear_scan(op.q, op.k, op.v, op.log_decay) - y).abs().max().item<double>(), 1e-12);
    const auto normed = y * torch::rsqrt(y.pow(2).mean(-1, true) + 1e-5) * m.g_norm->weight;
    const auto gate = torch::silu(m.g_proj(u)).reshape({B, L, H, hd});
    const auto a = x + m.o_proj((normed * gate).reshape({B, L, 8}));
    const auto expected = a + block.mlp(block.norm2(a));
    EXPECT_LE((block.forward(x) - expected).abs().max().item<double>(), 1e-12);
  }
}

TEST(LinearAttentionBlock, StateIsOneMatrixPerHeadWhateverTheLength) {
  auto model = linear_model("gla", 3);
  test_support::expect_constant_state(model, 3 * 2 * 4 * 4 * 4);  // layers · heads · hd · hd · 4 bytes
}

}  // namespace
}  // namespace fl
