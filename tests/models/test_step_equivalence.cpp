// The step path (one token at a time, explicit cache) computes the same logits as the parallel
// forward, at every position, for every model family: float32, max |Δ| ≤ 1e-4.
#include <gtest/gtest.h>

#include "models/lm.h"
#include "support/fixtures.h"

namespace fl {
namespace {

struct Case {
  std::string name, model_json;
  int64_t length;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class StepEquivalence : public testing::TestWithParam<Case> {};

TEST_P(StepEquivalence, StepLogitsEqualParallelForward) {
  const auto& c = GetParam();
  auto config = test_support::config_from_json(R"({"task": {"vocab": 10}, "model": )" + c.model_json + "}");
  torch::manual_seed(7);
  LanguageModel model(config.model);
  model->eval();
  torch::NoGradGuard no_grad;
  const int64_t B = 3, V = config.model.vocab_size;
  auto tokens = torch::randint(0, V, {B, c.length}, torch::kInt64);

  auto parallel = model->forward(tokens);  // (B, L, V)
  ModelCache cache = model->make_cache(B);
  double max_diff = 0;
  for (int64_t t = 0; t < c.length; ++t) {
    auto stepped = model->step(tokens.select(1, t), cache);  // (B, V)
    max_diff = std::max(max_diff, (stepped - parallel.select(1, t)).abs().max().item<double>());
  }
  EXPECT_LE(max_diff, 1e-4) << c.name;
  EXPECT_EQ(cache.position, c.length);
  RecordProperty("max_abs_diff", std::to_string(max_diff));
  std::printf("[ %s ] step vs parallel max |diff| = %.3g over %lld positions\n", c.name.c_str(), max_diff,
              static_cast<long long>(c.length));
}

// Lengths ≥ 3·d_conv and > W; several layers.
INSTANTIATE_TEST_SUITE_P(
    AllFamilies, StepEquivalence,
    testing::Values(
        Case{"mamba", R"({"type": "mamba", "d_model": 32, "n_layer": 3, "d_state": 8})", 24},
        Case{"mamba_layernorm_k3", R"({"type": "mamba", "d_model": 24, "n_layer": 2, "d_conv": 3, "norm": "layernorm"})", 17},
        Case{"transformer_rope", R"({"type": "transformer", "d_model": 32, "n_layer": 3, "n_head": 4})", 24},
        Case{"transformer_nopos_layernorm", R"({"type": "transformer", "d_model": 32, "n_layer": 2, "pos": "none", "norm": "layernorm"})", 20},
        Case{"transformer_learned", R"({"type": "transformer", "d_model": 32, "n_layer": 2, "pos": "learned", "max_len": 64})", 40},
        Case{"window", R"({"type": "window", "d_model": 32, "n_layer": 3, "n_head": 2, "window": 5})", 23},
        Case{"transformer_long_kv_growth", R"({"type": "transformer", "d_model": 16, "n_layer": 2, "n_head": 2})", 70},
        Case{"hybrid", R"({"type": "hybrid", "d_model": 32, "n_layer": 3, "d_state": 8, "n_head": 4, "attn_layers": [1]})", 24},
        Case{"hybrid_window_learned", R"({"type": "hybrid", "d_model": 16, "n_layer": 3, "n_head": 2, "attn_layers": [0, 2],
                                          "window": 5, "pos": "learned", "max_len": 32})", 23},
        // ALiBi and Hard-ALiBi, also in a ring of W = 6 slots (the keys' true distances, not slot order).
        Case{"transformer_alibi", R"({"type": "transformer", "d_model": 32, "n_layer": 2, "n_head": 4, "pos": "alibi"})", 30},
        Case{"window_alibi", R"({"type": "window", "d_model": 32, "n_layer": 2, "n_head": 4, "pos": "alibi", "window": 6})", 23},
        Case{"transformer_hard_alibi", R"({"type": "transformer", "d_model": 32, "n_layer": 2, "n_head": 4, "pos": "hard_alibi", "hard_alibi_windows": [1, 3, 0, 70]})", 75},
        Case{"window_hard_alibi_default", R"({"type": "window", "d_model": 32, "n_layer": 2, "n_head": 4, "pos": "hard_alibi", "window": 5})", 23},
        Case{"lstm", R"({"type": "lstm", "d_model": 32, "n_layer": 2})", 24},
        Case{"lstm_hidden_layernorm", R"({"type": "lstm", "d_model": 16, "n_layer": 3, "lstm_hidden": 24, "norm": "layernorm"})", 19},
        Case{"mamba2", R"({"type": "mamba2", "d_model": 32, "n_layer": 3, "d_state": 8, "headdim": 16})", 24},
        Case{"mamba2_groups_layernorm_k3", R"({"type": "mamba2", "d_model": 16, "n_layer": 2, "d_state": 4, "headdim": 4,
                                               "ngroups": 2, "d_conv": 3, "norm": "layernorm"})", 17},
        Case{"linear_none", R"({"type": "linear", "d_model": 32, "n_layer": 2, "n_head": 4, "decay": "none"})", 24},
        Case{"linear_fixed", R"({"type": "linear", "d_model": 32, "n_layer": 2, "n_head": 4, "decay": "fixed"})", 24},
        Case{"linear_gla_layernorm", R"({"type": "linear", "d_model": 16, "n_layer": 3, "n_head": 2, "decay": "gla",
                                         "norm": "layernorm"})", 19}),
    [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(StateBytes, MambaIsConstantTransformerGrowsWindowSaturates) {
  auto mamba = test_support::config_from_json(R"({"model": {"type": "mamba", "d_model": 16, "n_layer": 2}})");
  auto gpt = test_support::config_from_json(R"({"model": {"type": "transformer", "d_model": 16, "n_layer": 2}})");
  auto win = test_support::config_from_json(R"({"model": {"type": "window", "d_model": 16, "n_layer": 2, "window": 8}})");
  LanguageModel m(mamba.model), g(gpt.model), w(win.model);
  EXPECT_EQ(m->state_bytes(1), m->state_bytes(4096));
  EXPECT_EQ(m->state_bytes(1), 2 * 32 * (4 + 16) * 4);  // layers · Di · (K + N) · 4 bytes
  EXPECT_EQ(g->state_bytes(100), 2 * 100 * 2 * 16 * 4);  // layers · t · (k, v) · D · 4 bytes
  EXPECT_EQ(w->state_bytes(8), w->state_bytes(1000));

  // The live cache objects hold what the analytic count says.
  torch::NoGradGuard no_grad;
  for (auto* model : {&m, &g, &w}) {
    auto cache = (*model)->make_cache(1);
    for (int t = 0; t < 12; ++t) (*model)->step(torch::zeros({1}, torch::kInt64), cache);
    EXPECT_EQ(cache.bytes(), (*model)->state_bytes(12)) << (*model)->config().label();
  }
}

}  // namespace
}  // namespace fl
