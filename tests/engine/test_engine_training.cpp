// Training runs on the flat engine against the libtorch engine: the same loss curve to float
// rounding for both families with the options the experiments use (packing, fixed sets,
// gradient clipping, weight decay, warm-up + cosine); the engine a checkpoint was written by is
// recorded and a run continues across engines; --kernels reference trains on libtorch.
#include <gtest/gtest.h>


#include "core/atomic_file.h"
#include "engine/engine_mode.h"
#include "engine/lm_engine.h"
#include "kernels/kernel_mode.h"
#include "support/fixtures.h"
#include "train/resume_support.h"
#include "train/trainer.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::config_from_json;
using test_support::logged_losses;
using test_support::TempDir;

TrainOptions quiet(int64_t stop_at = 0) {
  TrainOptions o;
  o.show_progress = false;
  o.stop_at = stop_at;
  return o;
}

std::vector<double> losses_on(engine::Mode mode, const RunConfig& config) {
  engine::ModeGuard guard(mode);
  TempDir dir;
  train_run(config, dir / "run", quiet());
  return logged_losses(dir / "run" / "metrics.jsonl");
}

// 15 steps, a loss line per step: the curves agree to 2e-4 relative (float32; the two engines
// sum in different orders, and AdamW carries the differences from step to step).
void expect_same_curve(const std::string& json) {
  const auto config = config_from_json(json);
  const auto flat = losses_on(engine::Mode::kFlat, config), reference = losses_on(engine::Mode::kLibtorch, config);
  ASSERT_EQ(flat.size(), 15u);
  ASSERT_EQ(reference.size(), 15u);
  for (size_t i = 0; i < flat.size(); ++i)
    EXPECT_NEAR(flat[i], reference[i], 2e-4 * std::abs(reference[i])) << "step " << i + 1 << " of " << json;
}

const char* kTrain = R"("train": {"steps": 15, "batch_size": 8, "log_every": 1, "warmup": 3, "lr": 0.003,
                                  "grad_clip": 0.5, "weight_decay": 0.1)";

TEST(EngineTraining, MambaPackedLossCurveMatchesLibtorch) {
  expect_same_curve(std::string(R"({"seed": 5, "model": {"type": "mamba", "d_model": 16, "n_layer": 2,
      "d_state": 4}, "task": {"max_len": 6}, )") + kTrain + R"(, "pack_len": 32},
      "eval": {"samples": 2, "generate": false}})");
}

TEST(EngineTraining, MambaLayerNormOnFixedSetMatchesLibtorch) {
  expect_same_curve(std::string(R"({"seed": 5, "model": {"type": "mamba", "d_model": 16, "n_layer": 1,
      "d_state": 8, "d_conv": 3, "norm": "layernorm"}, "task": {"name": "lis", "n": 5}, )") + kTrain +
                    R"(, "samples": 20}, "eval": {"samples": 2, "generate": false}})");
}

TEST(EngineTraining, TransformerLearnedPositionsMatchesLibtorch) {
  expect_same_curve(std::string(R"({"seed": 5, "model": {"type": "transformer", "d_model": 16, "n_layer": 2,
      "n_head": 2, "pos": "learned", "max_len": 64}, "task": {"max_len": 6}, )") + kTrain +
                    R"(, "pack_len": 40}, "eval": {"samples": 2, "generate": false}})");
}

TEST(EngineTraining, WindowTransformerMatchesLibtorch) {
  expect_same_curve(std::string(R"({"seed": 5, "model": {"type": "window", "d_model": 16, "n_layer": 2,
      "n_head": 4, "window": 4, "pos": "none", "norm": "layernorm"}, "task": {"name": "local_dp", "n": 6}, )") +
                    kTrain + R"(}, "eval": {"samples": 2, "generate": false}})");
}

// A run stopped on one engine continues on the other (with a note on stderr that its last bits
// will differ); the engine is recorded in each checkpoint's progress.json.
TEST(EngineTraining, RunContinuesAcrossEngines) {
  const auto config = config_from_json(std::string(R"({"seed": 5, "model": {"type": "mamba", "d_model": 16,
      "n_layer": 1, "d_state": 4}, "task": {"max_len": 6}, )") + kTrain + R"(},
      "eval": {"samples": 2, "generate": false}})");
  TempDir dir;
  {
    engine::ModeGuard libtorch(engine::Mode::kLibtorch);
    train_run(config, dir / "run", quiet(6));
  }
  const auto latest = dir / "run" / "checkpoints" / "step-00000006";
  EXPECT_EQ(Json::parse(read_file(latest / "progress.json"))["engine"], "libtorch");
  {
    engine::ModeGuard flat(engine::Mode::kFlat);
    resume_run(dir / "run", quiet(10));
  }
  EXPECT_EQ(Json::parse(read_file(dir / "run" / "checkpoints" / "step-00000010" / "progress.json"))["engine"], "flat");
  resume_run(dir / "run", quiet());
  const auto curve = logged_losses(dir / "run" / "metrics.jsonl");
  const auto reference = losses_on(engine::Mode::kLibtorch, config);
  ASSERT_EQ(curve.size(), reference.size());
  for (size_t i = 0; i < curve.size(); ++i) EXPECT_NEAR(curve[i], reference[i], 2e-4 * std::abs(reference[i]));
}

TEST(EngineTraining, ReferenceKernelsTrainOnLibtorch) {
  engine::ModeGuard flat(engine::Mode::kFlat);
  EXPECT_EQ(engine::effective_mode(), engine::Mode::kFlat);
  kernels::ModeGuard reference(kernels::Mode::kReference);
  EXPECT_EQ(engine::effective_mode(), engine::Mode::kLibtorch);
}

// The flat engine has no LSTM, Mamba-2 or linear-attention layer: these train on libtorch under
// either mode (the same curve, bit for bit), their checkpoints say so, and the flat engine itself
// refuses them in one line.
TEST(EngineTraining, FamiliesWithoutAFlatLayerTrainOnLibtorchUnderEitherMode) {
  for (const auto& [model_json, label] : std::vector<std::pair<std::string, std::string>>{
           {R"({"type": "lstm", "d_model": 16, "n_layer": 2})", "lstm d16×2"},
           {R"({"type": "mamba2", "d_model": 16, "n_layer": 2, "d_state": 4, "headdim": 8})", "mamba2 d16×2 N4 P8"},
           {R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2})", "linear gla d16×2"}}) {
    SCOPED_TRACE(label);
    const auto config = config_from_json(R"({"seed": 5, "model": )" + model_json + R"(, "task": {"max_len": 6}, )" +
                                         kTrain + R"(}, "eval": {"samples": 2, "generate": false}})");
    const std::string family = to_string(config.model.family);
    {
      engine::ModeGuard flat(engine::Mode::kFlat);
      EXPECT_EQ(engine::effective_mode(config.model), engine::Mode::kLibtorch);
      LanguageModel model(config.model);
      EXPECT_EQ(test_support::error_of([&] { engine::LanguageModelEngine<float> engine(model); }),
                "the flat engine has no " + family + " layer: train " + label + " with --engine libtorch");
    }
    EXPECT_EQ(losses_on(engine::Mode::kFlat, config), losses_on(engine::Mode::kLibtorch, config));
    TempDir dir;
    engine::ModeGuard flat(engine::Mode::kFlat);
    train_run(config, dir / "run", quiet(10));
    EXPECT_EQ(Json::parse(read_file(dir / "run" / "checkpoints" / "step-00000010" / "progress.json"))["engine"],
              "libtorch");
  }
}

TEST(EngineTraining, ParseMode) {
  EXPECT_EQ(engine::parse_mode("flat"), engine::Mode::kFlat);
  EXPECT_EQ(engine::parse_mode("libtorch"), engine::Mode::kLibtorch);
  EXPECT_EQ(test_support::error_of([] { engine::parse_mode("fused"); }),
            "--engine must be flat or libtorch, got 'fused'");
}

}  // namespace
}  // namespace fl
