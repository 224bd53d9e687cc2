// The flat engine against the libtorch path it replaces: the same loss and the same gradient of
// every parameter, for both families and every model option the experiments use, in float64
// (to 1e-9) and float32 (to float rounding); and whole optimizer steps (clipping, AdamW groups,
// the schedule) giving the same weights.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "data/batch.h"
#include "engine/adamw.h"
#include "engine/lm_engine.h"
#include "support/fixtures.h"
#include "train/optimizer.h"
#include "train/schedule.h"

namespace fl {
namespace {

using test_support::config_from_json;

struct Case {
  std::string name;
  std::string model;  // the "model" JSON object
  int64_t B, L;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const std::vector<Case> kCases = {
    {"mamba_rmsnorm", R"({"type": "mamba", "d_model": 16, "n_layer": 2, "d_state": 4})", 2, 9},
    {"mamba_layernorm_dconv3", R"({"type": "mamba", "d_model": 12, "n_layer": 1, "d_state": 3, "d_conv": 3,
                                   "norm": "layernorm"})", 3, 7},
    {"mamba_long_ragged_channels", R"({"type": "mamba", "d_model": 20, "n_layer": 2, "d_state": 5, "d_conv": 2})",
     2, 70},
    {"mamba_quick_suite", R"({"type": "mamba", "d_model": 32, "n_layer": 2, "d_state": 8})", 4, 15},
    {"transformer_rope", R"({"type": "transformer", "d_model": 16, "n_layer": 2, "n_head": 2})", 2, 9},
    {"transformer_none_layernorm", R"({"type": "transformer", "d_model": 12, "n_layer": 1, "n_head": 3,
                                       "pos": "none", "norm": "layernorm"})", 3, 6},
    {"transformer_learned_long", R"({"type": "transformer", "d_model": 16, "n_layer": 2, "n_head": 4,
                                     "pos": "learned", "max_len": 80})", 2, 70},
    {"window_rope_long", R"({"type": "window", "d_model": 16, "n_layer": 2, "n_head": 2, "window": 5})", 2, 70},
    {"hybrid", R"({"type": "hybrid", "d_model": 16, "n_layer": 3, "d_state": 4, "n_head": 2, "attn_layers": [1]})", 2, 9},
    {"hybrid_window_long", R"({"type": "hybrid", "d_model": 16, "n_layer": 2, "d_state": 4, "n_head": 2,
                              "attn_layers": [0], "window": 5})", 2, 70},
    {"transformer_alibi_long", R"({"type": "transformer", "d_model": 16, "n_layer": 2, "n_head": 4, "pos": "alibi"})",
     2, 70},
    {"transformer_hard_alibi_long", R"({"type": "transformer", "d_model": 16, "n_layer": 2, "n_head": 4,
                                        "pos": "hard_alibi", "hard_alibi_windows": [2, 0, 66, 1]})", 2, 70},
};

RunConfig config_of(const Case& c) { return config_from_json(R"({"model": )" + c.model + "}"); }

// Random tokens and targets; a loss mask with about 60% of the positions (at least one).
Batch random_batch(int64_t B, int64_t L, int64_t V, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  Batch batch;
  batch.inputs = torch::randint(0, V, {B, L}, gen, torch::kInt64);
  batch.targets = torch::randint(0, V, {B, L}, gen, torch::kInt64);
  batch.mask = torch::rand({B, L}, gen) < 0.6;
  batch.mask[0][L - 1] = true;
  batch.tokens = B * L;
  return batch;
}

// A copy of the model's gradients by name (the libtorch path's, after backward()).
std::map<std::string, torch::Tensor> gradients(LanguageModel& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model->named_parameters()) out[p.key()] = p.value().grad().clone();
  return out;
}

template <typename T>
torch::Tensor slot_tensor(T* base, const engine::ParameterSlot& slot) {
  return torch::from_blob(base + slot.offset, slot.shape, c10::CppTypeToScalarType<T>::value);
}

// max |got - want| ≤ tol · max(max |want|, 1e-3)
void expect_close(const torch::Tensor& got, const torch::Tensor& want, double tol, const std::string& what) {
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const double scale = std::max(want.abs().max().item<double>(), 1e-3);
  const double diff = (got - want).abs().max().item<double>();
  EXPECT_LE(diff, tol * scale) << what << ": max |engine - libtorch| = " << diff << " (scale " << scale << ")";
}

template <typename T>
void expect_loss_and_gradients_match(const Case& c, double tol) {
  const auto dtype = c10::CppTypeToScalarType<T>::value;
  const auto config = config_of(c);
  torch::manual_seed(3);
  LanguageModel model(config.model);
  model->to(dtype);
  const auto batch = random_batch(c.B, c.L, config.model.vocab_size, 7);

  auto loss = masked_cross_entropy(model->forward(batch.inputs), batch);
  loss.backward();
  const double want_loss = loss.item<double>();
  const auto want = gradients(model);

  engine::LanguageModelEngine<T> engine(model);
  const double got_loss = engine.forward_backward(batch.inputs.data_ptr<int64_t>(), batch.targets.data_ptr<int64_t>(),
                                                  batch.mask.data_ptr<bool>(), c.B, c.L);
  EXPECT_NEAR(got_loss, want_loss, tol * std::abs(want_loss)) << c.name;
  auto& params = engine.parameters();
  EXPECT_EQ(params.slots().size(), want.size());
  for (const auto& slot : params.slots())
    expect_close(slot_tensor(params.grads(), slot), want.at(slot.name), tol, c.name + " d" + slot.name);
}

class EngineMatchesLibtorch : public testing::TestWithParam<Case> {};

TEST_P(EngineMatchesLibtorch, LossAndEveryGradientInFloat64) { expect_loss_and_gradients_match<double>(GetParam(), 1e-9); }

TEST_P(EngineMatchesLibtorch, LossAndEveryGradientInFloat32) { expect_loss_and_gradients_match<float>(GetParam(), 2e-4); }

INSTANTIATE_TEST_SUITE_P(Models, EngineMatchesLibtorch, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(Engine, ModelSeesTheEnginesWeights) {
  const auto config = config_of(kCases[0]);
  torch::manual_seed(3);
  LanguageModel model(config.model);
  const auto before = model->named_weights();
  std::vector<torch::Tensor> copies;
  for (const auto& [name, t] : before) copies.push_back(t.clone());
  engine::LanguageModelEngine<float> engine(model);
  auto& params = engine.parameters();
  const auto after = model->named_weights();
  ASSERT_EQ(after.size(), copies.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_TRUE(torch::equal(after[i].second, copies[i])) << after[i].first;
  params.value("backbone.embedding.weight")[0] = 42.0f;  // the engine writes, the model reads
  EXPECT_EQ(model->named_weights().front().second.view({-1})[0].item<float>(), 42.0f);
  EXPECT_EQ(model->named_weights().back().first, "lm_head.weight");
  EXPECT_EQ(model->named_weights().back().second.view({-1})[0].item<float>(), 42.0f);  // tied head
}

TEST(Engine, RepeatedStepsAreBitIdentical) {
  for (const auto& c : {kCases[2], kCases[7]}) {
    const auto config = config_of(c);
    const auto batch = random_batch(c.B, c.L, config.model.vocab_size, 9);
    std::vector<torch::Tensor> runs;
    for (int run = 0; run < 2; ++run) {
      torch::manual_seed(3);
      LanguageModel model(config.model);
      engine::LanguageModelEngine<float> engine(model);
      engine.forward_backward(batch.inputs.data_ptr<int64_t>(), batch.targets.data_ptr<int64_t>(),
                              batch.mask.data_ptr<bool>(), c.B, c.L);
      runs.push_back(torch::from_blob(engine.parameters().grads(), {engine.parameters().size()}).clone());
    }
    EXPECT_TRUE(torch::equal(runs[0], runs[1])) << c.name;
  }
}

// Three optimizer steps in float64, with gradient clipping that bites, the warm-up schedule and
// both weight-decay groups: the weights after each step agree with torch::optim::AdamW's.
TEST(Engine, OptimizerStepsMatchLibtorchInFloat64) {
  for (const auto& c : {kCases[0], kCases[4]}) {
    auto config = config_of(c);
    auto& t = config.train;
    t.weight_decay = 0.1, t.lr = 0.01, t.warmup = 2, t.steps = 3;
    torch::manual_seed(3);
    LanguageModel reference(config.model), model(config.model);
    reference->to(torch::kFloat64);
    model->to(torch::kFloat64);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : model->named_parameters()) p.value().copy_(reference->named_parameters()[p.key()]);
    }
    auto optimizer = make_optimizer(reference, t);
    engine::LanguageModelEngine<double> engine(model);
    engine::FlatAdamW<double> adamw(engine.parameters(), {t.beta1, t.beta2, t.eps, t.weight_decay});
    for (int64_t step = 0; step < t.steps; ++step) {
      const double lr = learning_rate(step, t.steps, t.warmup, t.lr, t.min_lr_ratio);
      const auto batch = random_batch(c.B, c.L, config.model.vocab_size, 20 + step);
      optimizer.zero_grad();
      auto loss = masked_cross_entropy(reference->forward(batch.inputs), batch);
      loss.backward();
      const double want_norm = torch::nn::utils::clip_grad_norm_(reference->parameters(), 0.05);
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      optimizer.step();

      const double got_loss = engine.forward_backward(batch.inputs.data_ptr<int64_t>(),
                                                      batch.targets.data_ptr<int64_t>(), batch.mask.data_ptr<bool>(),
                                                      c.B, c.L);
      const double got_norm = engine::clip_grad_norm(engine.parameters(), 0.05);
      adamw.step(lr);
      EXPECT_NEAR(got_loss, loss.item<double>(), 1e-9) << c.name << " step " << step;
      EXPECT_GT(want_norm, 0.05) << "the clipping must bite";
      EXPECT_NEAR(got_norm, want_norm, 1e-9 * want_norm) << c.name << " step " << step;
      for (const auto& p : reference->named_parameters())
        expect_close(model->named_parameters()[p.key()], p.value(), 1e-9, c.name + " " + p.key());
    }
  }
}

}  // namespace
}  // namespace fl
