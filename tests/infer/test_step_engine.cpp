// The torch-free step engine (src/infer/step_engine.h); its kernels (src/kernels/gemv.h) are
// tested in tests/kernels/test_gemv.cpp:
//   - engine logits against the model's parallel forward (teacher forcing) and its step path, at
//     every position, float32, max |Δ| ≤ 1e-4, for every model family (Mamba-2 with one and two
//     groups; linear attention with each decay), at B = 1 and B = 3;
//   - state accounting, errors, determinism, the weight snapshot, and greedy decoding through
//     the engine equal to the libtorch step path.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "infer/generate.h"
#include "infer/step_engine.h"
#include "infer/stepper.h"
#include "kernels/kernel_mode.h"
#include "models/lm.h"
#include "support/fixtures.h"

namespace fl {
namespace {

float max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<float>(); }

struct Case {
  std::string name, model_json;
  int64_t length;
  std::vector<int64_t> batches = {1, 3};
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// A model of `json` with every parameter perturbed (norm weights ≠ 1, biases ≠ 0, D ≠ 1, …), so
// the test sees every term.
LanguageModel make_model(const std::string& model_json) {
  auto config = test_support::config_from_json(R"({"task": {"vocab": 10}, "model": )" + model_json + "}");
  torch::manual_seed(7);
  LanguageModel model(config.model);
  model->eval();
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.add_(0.05 * torch::randn_like(p));
  return model;
}

// Engine logits (B, L, V) for tokens (B, L), one step per position.
torch::Tensor engine_logits(const StepEngine& engine, const torch::Tensor& tokens) {
  const int64_t B = tokens.size(0), L = tokens.size(1), V = engine.vocab_size();
  auto columns = tokens.t().contiguous();  // (L, B)
  auto logits = torch::empty({L, B, V});
  StepState state = engine.make_state(B);
  for (int64_t t = 0; t < L; ++t) engine.step(columns[t].data_ptr<int64_t>(), state, logits[t].data_ptr<float>());
  return logits.transpose(0, 1);
}

class StepEngineEquivalence : public testing::TestWithParam<Case> {};

TEST_P(StepEngineEquivalence, LogitsEqualForwardAndStepAndStateBytesMatch) {
  const auto& c = GetParam();
  LanguageModel model = make_model(c.model_json);
  const StepEngine engine(model);
  torch::NoGradGuard no_grad;
  const int64_t V = model->config().vocab_size;
  for (int64_t B : c.batches) {
    auto tokens = torch::randint(0, V, {B, c.length}, torch::kInt64);  // rows differ
    auto parallel = model->forward(tokens);                           // (B, L, V)
    ModelCache cache = model->make_cache(B);
    StepState state = engine.make_state(B);
    auto logits = torch::empty({B, V});
    float vs_forward = 0, vs_step = 0;
    for (int64_t t = 0; t < c.length; ++t) {
      auto column = tokens.select(1, t).contiguous();
      auto stepped = model->step(column, cache);  // (B, V)
      engine.step(column.data_ptr<int64_t>(), state, logits.data_ptr<float>());
      vs_forward = std::max(vs_forward, max_abs_diff(logits, parallel.select(1, t)));
      vs_step = std::max(vs_step, max_abs_diff(logits, stepped));
      ASSERT_EQ(engine.state_bytes(state), B * model->state_bytes(t + 1)) << "t = " << t;
      ASSERT_EQ(engine.state_bytes(state), cache.bytes()) << "t = " << t;
    }
    EXPECT_EQ(state.position, c.length);
    EXPECT_LE(vs_forward, 1e-4) << c.name << " B " << B;
    EXPECT_LE(vs_step, 1e-4) << c.name << " B " << B;
    std::printf("[ %s B=%lld ] engine vs forward max |diff| = %.3g, vs model step %.3g over %lld positions\n",
                c.name.c_str(), static_cast<long long>(B), vs_forward, vs_step, static_cast<long long>(c.length));
  }
}

// Lengths ≥ 3·d_conv and > W; the last crosses the KV doublings 16 → 32 → … → 1024 and the
// parallel attention threshold (512 keys), at B = 3 only (the libtorch step path is slow there).
INSTANTIATE_TEST_SUITE_P(
    AllFamilies, StepEngineEquivalence,
    testing::Values(
        Case{"mamba", R"({"type": "mamba", "d_model": 32, "n_layer": 3, "d_state": 8})", 24},
        Case{"mamba_layernorm_k3", R"({"type": "mamba", "d_model": 24, "n_layer": 2, "d_conv": 3, "norm": "layernorm"})", 17},
        Case{"mamba_odd_vocab", R"({"type": "mamba", "d_model": 20, "n_layer": 2, "vocab_size": 37, "dt_rank": 3})", 15},
        Case{"transformer_rope", R"({"type": "transformer", "d_model": 32, "n_layer": 3, "n_head": 4})", 24},
        Case{"transformer_nopos_layernorm", R"({"type": "transformer", "d_model": 32, "n_layer": 2, "pos": "none", "norm": "layernorm"})", 20},
        Case{"transformer_learned", R"({"type": "transformer", "d_model": 32, "n_layer": 2, "pos": "learned", "max_len": 64})", 40},
        Case{"window", R"({"type": "window", "d_model": 32, "n_layer": 3, "n_head": 2, "window": 5})", 23},
        Case{"transformer_odd_vocab", R"({"type": "transformer", "d_model": 24, "n_layer": 2, "n_head": 3, "vocab_size": 37})", 18},
        Case{"transformer_long_parallel", R"({"type": "transformer", "d_model": 16, "n_layer": 1, "n_head": 2})", 520, {3}},
        Case{"hybrid", R"({"type": "hybrid", "d_model": 32, "n_layer": 3, "d_state": 8, "n_head": 4, "attn_layers": [1]})", 24},
        Case{"hybrid_window_layernorm", R"({"type": "hybrid", "d_model": 24, "n_layer": 3, "n_head": 3, "attn_layers": [0, 2],
                                            "window": 5, "norm": "layernorm", "d_conv": 3})", 23},
        Case{"transformer_alibi", R"({"type": "transformer", "d_model": 32, "n_layer": 2, "n_head": 4, "pos": "alibi"})", 30},
        Case{"window_alibi", R"({"type": "window", "d_model": 32, "n_layer": 2, "n_head": 4, "pos": "alibi", "window": 6})", 23},
        Case{"transformer_hard_alibi", R"({"type": "transformer", "d_model": 32, "n_layer": 2, "n_head": 4, "pos": "hard_alibi", "hard_alibi_windows": [1, 3, 0, 20]})", 40},
        Case{"window_hard_alibi", R"({"type": "window", "d_model": 24, "n_layer": 2, "n_head": 3, "pos": "hard_alibi", "hard_alibi_windows": [2, 0, 9], "window": 5})", 23},
        Case{"lstm", R"({"type": "lstm", "d_model": 32, "n_layer": 2})", 24},
        Case{"lstm_hidden_layernorm", R"({"type": "lstm", "d_model": 16, "n_layer": 3, "lstm_hidden": 24, "norm": "layernorm"})", 19},
        Case{"mamba2", R"({"type": "mamba2", "d_model": 16, "n_layer": 2, "expand": 2, "headdim": 8, "d_state": 4, "ngroups": 1})", 17},
        Case{"mamba2_groups_layernorm_k3", R"({"type": "mamba2", "d_model": 16, "n_layer": 2, "expand": 2, "headdim": 8, "d_state": 4,
                                               "ngroups": 2, "norm": "layernorm", "d_conv": 3})", 15},
        Case{"linear_none", R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2, "decay": "none"})", 18},
        Case{"linear_fixed", R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2, "decay": "fixed"})", 18},
        Case{"linear_gla_layernorm", R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2, "decay": "gla", "norm": "layernorm"})", 18}),
    [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(StepEngine, LearnedPositionsBeyondMaxLenThrowAndLeaveTheState) {
  LanguageModel model = make_model(R"({"type": "transformer", "d_model": 16, "n_layer": 1, "pos": "learned", "max_len": 4})");
  const StepEngine engine(model);
  StepState state = engine.make_state(2);
  const int64_t tokens[] = {1, 2};
  std::vector<float> logits(2 * engine.vocab_size());
  for (int t = 0; t < 4; ++t) engine.step(tokens, state, logits.data());
  EXPECT_THROW(engine.step(tokens, state, logits.data()), Error);
  EXPECT_EQ(state.position, 4);
}

TEST(StepEngine, BadTokenThrows) {
  LanguageModel model = make_model(R"({"type": "mamba", "d_model": 16, "n_layer": 1})");
  const StepEngine engine(model);
  StepState state = engine.make_state(1);
  std::vector<float> logits(engine.vocab_size());
  const int64_t too_big = engine.vocab_size(), negative = -1;
  EXPECT_THROW(engine.step(&too_big, state, logits.data()), c10::Error);
  EXPECT_THROW(engine.step(&negative, state, logits.data()), c10::Error);
  EXPECT_EQ(state.position, 0);
}

// Same inputs → bit-identical logits, with 1 thread or all (the long case runs parallel attention).
TEST(StepEngine, DeterministicAcrossRunsAndThreadCounts) {
  LanguageModel model = make_model(R"({"type": "transformer", "d_model": 16, "n_layer": 1, "n_head": 2})");
  const StepEngine engine(model);
  auto tokens = torch::randint(0, engine.vocab_size(), {3, 520}, torch::kInt64);
  const int threads = at::get_num_threads();
  auto first = engine_logits(engine, tokens);
  EXPECT_TRUE(torch::equal(first, engine_logits(engine, tokens)));
  at::set_num_threads(1);
  auto single = engine_logits(engine, tokens);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(first, single));
}

// The engine holds a copy: changing the model afterwards does not change its logits.
TEST(StepEngine, WeightsAreASnapshot) {
  LanguageModel model = make_model(R"({"type": "mamba", "d_model": 16, "n_layer": 2})");
  const StepEngine engine(model);
  auto tokens = torch::randint(0, engine.vocab_size(), {2, 6}, torch::kInt64);
  auto before = engine_logits(engine, tokens);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.mul_(2);
  }
  EXPECT_TRUE(torch::equal(before, engine_logits(engine, tokens)));
}

// ---------------------------------------------------------------------------------------------
// Greedy decoding: the engine (fused mode) and the libtorch step path (reference mode) agree.

// argmax(excluded) picks the best of the other tokens, on both steppers: its logit (from the
// parallel forward) is the largest once the excluded token is set aside, up to float rounding.
TEST(Stepper, ArgmaxWithAnExcludedTokenTakesTheNextBest) {
  LanguageModel model = make_model(R"({"type": "mamba", "d_model": 16, "n_layer": 2})");
  const std::vector<int64_t> prompt = {1, 2, 3, 4};
  torch::NoGradGuard no_grad;
  const auto last = model->forward(torch::tensor(prompt).unsqueeze(0))[0][-1];  // (V) logits after the prompt
  for (auto mode : {kernels::Mode::kFused, kernels::Mode::kReference}) {
    kernels::ModeGuard guard(mode);
    const auto stepper = make_stepper(model, 1);
    for (const int64_t token : prompt) stepper->feed({token});
    const int64_t best = stepper->argmax()[0];
    EXPECT_NEAR(last[best].item<float>(), last.max().item<float>(), 1e-4);
    for (const int64_t excluded : {best, int64_t{0}}) {
      const int64_t next = stepper->argmax(excluded)[0];
      EXPECT_NE(next, excluded);
      auto others = last.clone();
      others[excluded] = -std::numeric_limits<float>::infinity();
      EXPECT_NEAR(last[next].item<float>(), others.max().item<float>(), 1e-4) << excluded;
    }
  }
}

TEST(DecodeGreedy, EngineAndReferencePathsAgree) {
  for (const char* json : {R"({"type": "mamba", "d_model": 16, "n_layer": 2})",
                           R"({"type": "window", "d_model": 16, "n_layer": 2, "window": 3})"}) {
    LanguageModel model = make_model(json);
    const int32_t V = static_cast<int32_t>(model->config().vocab_size), eos = 3;
    std::vector<DecodeRequest> requests;
    for (int32_t r = 0; r < 4; ++r) {
      DecodeRequest q{{static_cast<int32_t>(r % V), 5, static_cast<int32_t>((r * 7) % V)}, {}};
      for (int32_t t = 0; t < 12 + r; ++t) q.given.push_back(t % 4 == 1 ? (t + r) % V : kModelToken);
      requests.push_back(q);
    }
    std::vector<std::vector<int32_t>> outputs[2];
    for (auto mode : {kernels::Mode::kFused, kernels::Mode::kReference}) {
      kernels::ModeGuard guard(mode);
      outputs[mode == kernels::Mode::kFused ? 0 : 1] = decode_greedy(model, requests, eos);
    }
    EXPECT_EQ(outputs[0], outputs[1]) << json;
    // Free generation, also with the end token excluded from the first 12 choices and ignored.
    for (const FreeGeneration options : {FreeGeneration{20, 0, false}, FreeGeneration{20, 12, true}}) {
      std::vector<int32_t> free_runs[2];
      for (auto mode : {kernels::Mode::kFused, kernels::Mode::kReference}) {
        kernels::ModeGuard guard(mode);
        free_runs[mode == kernels::Mode::kFused ? 0 : 1] = generate_greedy(model, {1, 2, 3}, options, eos).tokens;
      }
      EXPECT_EQ(free_runs[0], free_runs[1]) << json;
      const auto& run = free_runs[0];
      EXPECT_EQ(std::count(run.begin(), run.begin() + std::min<int64_t>(options.min_new, run.size()), eos), 0);
      if (options.ignore_eos) {
        EXPECT_EQ(run.size(), 20u);
      }
    }
  }
}

}  // namespace
}  // namespace fl
