// Determinism (docs/RELIABILITY.md): the same seed and thread count give bit-identical
// metrics.jsonl lines (wall-clock fields aside), weights and evaluation reports.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "eval/evaluator.h"
#include "support/fixtures.h"
#include "train/checkpoint.h"
#include "train/resume_support.h"
#include "train/trainer.h"

namespace fl {
namespace {

using test_support::config_from_json;
using test_support::deterministic_metrics;
using test_support::TempDir;

TEST(Determinism, TrainingMetricsAndWeightsAreBitIdentical) {
  const auto config = config_from_json(R"({"seed": 8, "model": {"type": "mamba", "d_model": 16, "n_layer": 2},
      "task": {"max_len": 6},
      "train": {"steps": 10, "batch_size": 4, "warmup": 2, "log_every": 1, "eval_every": 5},
      "eval": {"samples": 3}})");
  TempDir a, b;
  train_run(config, a / "run", false);
  train_run(config, b / "run", false);
  const auto lines = deterministic_metrics(a / "run" / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 10u + 2u);  // a loss line per step, evaluations at 5 and 10
  EXPECT_EQ(lines, deterministic_metrics(b / "run" / "metrics.jsonl"));
  EXPECT_EQ(read_file(a / "run" / "model.safetensors"), read_file(b / "run" / "model.safetensors"));
}

// The evaluation of a trained checkpoint, twice from disk: the same report, equal to the one
// the training run wrote (so loading reproduces the trained model exactly).
TEST(Determinism, EvaluationIsBitIdentical) {
  const auto config = config_from_json(R"({"seed": 8, "model": {"type": "transformer", "d_model": 16, "n_layer": 2},
      "task": {"max_len": 6}, "train": {"steps": 30, "batch_size": 8, "warmup": 2, "lr": 0.01},
      "eval": {"samples": 6, "generate": true}})");
  TempDir dir;
  train_run(config, dir / "run", false);
  auto evaluate_once = [&] {
    auto ck = load_checkpoint(dir / "run");
    const EvalSet set(*ck.task, ck.task->default_eval_sizes(), ck.config.eval.samples, ck.config.seed);
    return evaluate(ck.model, *ck.task, set, true, ck.config.eval.batch_size).to_json();
  };
  const auto first = evaluate_once();
  EXPECT_GT(first["overall"]["tf"]["token"].get<double>(), 0.0) << first.dump();
  EXPECT_EQ(first.dump(), evaluate_once().dump());
  EXPECT_EQ(first.dump(), Json::parse(read_file(dir / "run" / "summary.json"))["eval"].dump());
}

}  // namespace
}  // namespace fl
