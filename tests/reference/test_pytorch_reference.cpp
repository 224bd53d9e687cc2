// freelunch's models against an independent PyTorch implementation (reference/, run with
// Debian's python3-torch): the PyTorch side loads our checkpoint and must produce the same
// logits, for every family (Mamba, the Transformers with each positional scheme, hybrid, LSTM,
// Mamba-2, linear attention), by the mirror's forward and its own step path.
#include <gtest/gtest.h>

#include "speed/pytorch_mirror.h"
#include "support/fixtures.h"
#include "train/checkpoint.h"

namespace fl {
namespace {

using test_support::TempDir;

const std::string kPython = "/usr/bin/python3";

struct Case {
  std::string name, model_json;
  bool step;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class PyTorchReference : public testing::TestWithParam<Case> {};

TEST_P(PyTorchReference, SameLogits) {
  const auto& c = GetParam();
  auto config = test_support::config_from_json(R"({"task": {"vocab": 12}, "model": )" + c.model_json + "}");
  TempDir dir;
  torch::manual_seed(21);
  LanguageModel model(config.model);
  {  // perturb the structured inits (A_log, D, norms, biases) so every parameter matters
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.add_(torch::randn_like(p) * 0.05);
  }
  model->eval();
  save_checkpoint(dir.path(), model, config);

  const int64_t rows = 2, L = 19;
  auto tokens = torch::randint(0, config.model.vocab_size, {rows, L}, torch::kInt64);
  const PyTorchMirror mirror{kPython, std::string(FREELUNCH_SOURCE_DIR) + "/reference"};
  const auto theirs = mirror.logits(dir.path(), tokens, c.step);
  ASSERT_EQ(theirs.sizes(), (c10::IntArrayRef{rows, L, config.model.vocab_size}));
  torch::NoGradGuard no_grad;
  const double diff = (model->forward(tokens) - theirs).abs().max().item<double>();
  std::printf("[ %s ] freelunch vs PyTorch reference: max |logit diff| = %.3g\n", c.name.c_str(), diff);
  EXPECT_LE(diff, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Models, PyTorchReference,
    testing::Values(
        Case{"mamba", R"({"type": "mamba", "d_model": 32, "n_layer": 2, "d_state": 8})", false},
        Case{"mamba_step_path", R"({"type": "mamba", "d_model": 24, "n_layer": 2, "d_conv": 3})", true},
        Case{"mamba_layernorm", R"({"type": "mamba", "d_model": 16, "n_layer": 1, "norm": "layernorm"})", false},
        Case{"transformer_rope", R"({"type": "transformer", "d_model": 32, "n_layer": 2, "n_head": 4})", false},
        Case{"transformer_learned", R"({"type": "transformer", "d_model": 16, "n_layer": 2, "pos": "learned", "max_len": 20})", false},
        Case{"transformer_nopos_layernorm", R"({"type": "transformer", "d_model": 16, "n_layer": 1, "pos": "none", "norm": "layernorm"})", false},
        Case{"window", R"({"type": "window", "d_model": 16, "n_layer": 2, "n_head": 2, "window": 4})", false},
        Case{"transformer_step_path", R"({"type": "transformer", "d_model": 16, "n_layer": 2, "n_head": 2})", true},
        Case{"window_step_path", R"({"type": "window", "d_model": 16, "n_layer": 1, "n_head": 2, "window": 5})", true},
        // ALiBi (3 heads: the non-power-of-two slope rule) and Hard-ALiBi; step paths in a wrapping ring
        Case{"transformer_alibi", R"({"type": "transformer", "d_model": 24, "n_layer": 2, "n_head": 3, "pos": "alibi"})", false},
        Case{"window_alibi_step_path", R"({"type": "window", "d_model": 16, "n_layer": 2, "n_head": 2, "window": 5, "pos": "alibi"})", true},
        Case{"window_hard_alibi", R"({"type": "window", "d_model": 16, "n_layer": 2, "n_head": 2, "window": 4, "pos": "hard_alibi", "hard_alibi_windows": [1, 3]})", false},
        Case{"window_hard_alibi_step_path", R"({"type": "window", "d_model": 16, "n_layer": 2, "n_head": 2, "window": 4, "pos": "hard_alibi", "hard_alibi_windows": [1, 3]})", true},
        Case{"transformer_hard_alibi_default_step_path", R"({"type": "transformer", "d_model": 16, "n_layer": 2, "n_head": 4, "pos": "hard_alibi"})", true},
        // Hybrid: Mamba blocks with Transformer blocks at attn_layers
        Case{"hybrid", R"({"type": "hybrid", "d_model": 16, "n_layer": 3, "n_head": 2, "attn_layers": [1]})", false},
        Case{"hybrid_step_path", R"({"type": "hybrid", "d_model": 16, "n_layer": 3, "n_head": 2, "attn_layers": [1]})", true},
        Case{"hybrid_window_step_path", R"({"type": "hybrid", "d_model": 16, "n_layer": 3, "n_head": 2, "d_state": 4, "attn_layers": [0, 2], "window": 4})", true},
        // LSTM
        Case{"lstm", R"({"type": "lstm", "d_model": 16, "n_layer": 2, "lstm_hidden": 12})", false},
        Case{"lstm_step_path", R"({"type": "lstm", "d_model": 16, "n_layer": 2, "lstm_hidden": 12})", true},
        Case{"lstm_layernorm", R"({"type": "lstm", "d_model": 16, "n_layer": 1, "norm": "layernorm"})", false},
        // Mamba-2
        Case{"mamba2", R"({"type": "mamba2", "d_model": 16, "n_layer": 2, "d_state": 4, "headdim": 8})", false},
        Case{"mamba2_step_path", R"({"type": "mamba2", "d_model": 16, "n_layer": 2, "d_state": 4, "headdim": 8})", true},
        Case{"mamba2_ngroups2", R"({"type": "mamba2", "d_model": 16, "n_layer": 2, "d_state": 4, "headdim": 8, "ngroups": 2})", false},
        Case{"mamba2_ngroups2_step_path", R"({"type": "mamba2", "d_model": 16, "n_layer": 2, "d_state": 4, "headdim": 8, "ngroups": 2, "d_conv": 3})", true},
        // Linear attention
        Case{"linear_none", R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2, "decay": "none"})", false},
        Case{"linear_fixed", R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2, "decay": "fixed"})", false},
        Case{"linear_gla", R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2, "decay": "gla"})", false},
        Case{"linear_gla_step_path", R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2, "decay": "gla"})", true},
        Case{"linear_fixed_step_path", R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 4, "decay": "fixed", "norm": "layernorm"})", true}),
    [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace fl
