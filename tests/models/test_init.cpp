// Initialisation statistics match docs/SOURCES.md §1 (Mamba) and GPT-2 (Transformer).
#include <gtest/gtest.h>

#include <cmath>

#include "models/lm.h"
#include "models/mamba.h"
#include "support/fixtures.h"

namespace fl {
namespace {

TEST(MambaInit, MatchesReference) {
  auto config = test_support::config_from_json(
      R"({"model": {"type": "mamba", "d_model": 64, "n_layer": 4, "d_state": 16}})");
  torch::manual_seed(1);
  LanguageModel model(config.model);
  const auto& c = config.model;
  const int64_t Di = c.d_inner(), R = c.dt_rank;
  ASSERT_EQ(R, 4);  // ceil(64 / 16)
  auto& block = dynamic_cast<MambaBlock&>(model->layer(0));
  auto& mixer = *block.mixer;

  // A_log[d, n] = log(n + 1) for every channel; D = 1.
  auto expected_a_log = torch::log(torch::arange(1, c.d_state + 1, torch::kFloat32)).expand({Di, c.d_state});
  EXPECT_TRUE(torch::allclose(mixer.A_log, expected_a_log));
  EXPECT_TRUE(torch::equal(mixer.D, torch::ones({Di})));

  // softplus(dt bias) is the sampled dt: within [dt_min, dt_max], log-uniformly spread.
  auto dt = torch::softplus(mixer.dt_proj->bias.to(torch::kFloat64));
  EXPECT_GE(dt.min().item<double>(), c.dt_min * (1 - 1e-5));
  EXPECT_LE(dt.max().item<double>(), c.dt_max * (1 + 1e-5));
  const double mean_log = dt.log().mean().item<double>(), mid = 0.5 * (std::log(c.dt_min) + std::log(c.dt_max));
  EXPECT_NEAR(mean_log, mid, 0.4);

  // Uniform bounds: dt_proj.weight ±R^-1/2; in_proj ±D^-1/2; conv ±K^-1/2; out_proj ±Di^-1/2/√n_layer.
  auto bound = [](const torch::Tensor& t) { return t.abs().max().item<double>(); };
  EXPECT_LE(bound(mixer.dt_proj->weight), 1 / std::sqrt(double(R)));
  EXPECT_GT(bound(mixer.dt_proj->weight), 0.9 / std::sqrt(double(R)));
  EXPECT_LE(bound(mixer.in_proj->weight), 1 / std::sqrt(64.0));
  EXPECT_GT(bound(mixer.in_proj->weight), 0.95 / std::sqrt(64.0));
  EXPECT_LE(bound(mixer.conv1d->weight), 0.5);
  EXPECT_GT(bound(mixer.conv1d->weight), 0.45);
  const double out_bound = 1 / std::sqrt(double(Di)) / std::sqrt(4.0);
  EXPECT_LE(bound(mixer.out_proj->weight), out_bound);
  EXPECT_GT(bound(mixer.out_proj->weight), 0.95 * out_bound);

  // Embedding ~ N(0, 0.02); the head is the same tensor.
  auto weights = model->named_weights();
  torch::Tensor embedding, head;
  for (auto& [name, t] : weights) {
    if (name == "backbone.embedding.weight") embedding = t;
    if (name == "lm_head.weight") head = t;
  }
  EXPECT_NEAR(embedding.std().item<double>(), 0.02, 0.004);
  EXPECT_TRUE(embedding.is_same(head));
}

TEST(MambaInit, WeightDecayGroups) {
  auto config = test_support::config_from_json(R"({"model": {"type": "mamba", "d_model": 16}})");
  LanguageModel model(config.model);
  for (const auto& p : model->named_parameters()) {
    const std::string& name = p.key();
    const bool exempt = name.find("A_log") != std::string::npos || name.find(".D") == name.size() - 2 ||
                        name.find("norm") != std::string::npos || name.find("bias") != std::string::npos;
    EXPECT_EQ(LanguageModelImpl::decays(name, p.value()), !exempt) << name;
  }
}

TEST(TransformerInit, Gpt2Statistics) {
  auto config = test_support::config_from_json(
      R"({"model": {"type": "transformer", "d_model": 128, "n_layer": 8, "n_head": 4}})");
  torch::manual_seed(3);
  LanguageModel model(config.model);
  for (const auto& p : model->named_parameters()) {
    const auto& name = p.key();
    const double std = p.value().std().item<double>();
    if (name.find("bias") != std::string::npos) EXPECT_EQ(p.value().abs().max().item<double>(), 0.0) << name;
    else if (name.find("out_proj.weight") != std::string::npos || name.find("fc2.weight") != std::string::npos)
      EXPECT_NEAR(std, 0.02 / std::sqrt(16.0), 0.001) << name;
    else if (name.find("norm") == std::string::npos) { EXPECT_NEAR(std, 0.02, 0.002) << name; }
  }
}

}  // namespace
}  // namespace fl
