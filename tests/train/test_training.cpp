// Training end to end: determinism from one seed, and a short run that really learns COPY.
#include <gtest/gtest.h>


#include "core/atomic_file.h"
#include "support/fixtures.h"
#include "train/checkpoint.h"
#include "train/resume_support.h"
#include "train/trainer.h"

namespace fl {
namespace {

using test_support::config_from_json;
using test_support::logged_losses;
using test_support::TempDir;

TEST(Training, SameSeedSameLossCurveAndWeights) {
  for (const char* type : {"mamba", "transformer"}) {
    const auto config = config_from_json(std::string(R"({"seed": 4, "model": {"type": ")") + type +
                                         R"(", "d_model": 16, "n_layer": 2},
        "task": {"max_len": 6}, "train": {"steps": 12, "batch_size": 8, "log_every": 1, "warmup": 2},
        "eval": {"samples": 4, "generate": false}})");
    TempDir a, b;
    train_run(config, a / "run", false);
    train_run(config, b / "run", false);
    const auto la = logged_losses(a / "run" / "metrics.jsonl");
    ASSERT_EQ(la.size(), 12u);
    EXPECT_EQ(la, logged_losses(b / "run" / "metrics.jsonl")) << type;
    auto ma = load_checkpoint(a / "run").model->named_weights(), mb = load_checkpoint(b / "run").model->named_weights();
    for (size_t i = 0; i < ma.size(); ++i) EXPECT_TRUE(torch::equal(ma[i].second, mb[i].second)) << ma[i].first;

    auto changed = config.to_json();
    changed["seed"] = 5;
    const auto other = config_from_json(changed.dump());
    TempDir c;
    train_run(other, c / "run", false);
    EXPECT_NE(la, logged_losses(c / "run" / "metrics.jsonl")) << type;
  }
}

// eval.validation: the summary (and summary.json) gains the validation split's report, its own
// examples (none of the evaluation set's), with the same sizes; without it there is none.
TEST(Training, ValidationSplitIsEvaluatedAtTheEndAndStored) {
  const auto config = config_from_json(R"({"seed": 2, "model": {"type": "mamba", "d_model": 16, "n_layer": 1},
      "task": {"max_len": 5}, "train": {"steps": 3, "batch_size": 4, "warmup": 1},
      "eval": {"samples": 6, "validation": 5, "generate": false}})");
  TempDir dir;
  const auto summary = train_run(config, dir / "run", false);
  ASSERT_TRUE(summary.validation.has_value());
  ASSERT_EQ(summary.validation->rows.size(), summary.eval.rows.size());
  for (size_t i = 0; i < summary.eval.rows.size(); ++i) {
    EXPECT_EQ(summary.validation->rows[i].size, summary.eval.rows[i].size);
    EXPECT_GT(summary.validation->rows[i].n, 0);
    EXPECT_LE(summary.validation->rows[i].n, 5);
  }
  const auto stored = TrainSummary::from_json(Json::parse(read_file(dir / "run" / "summary.json")));
  ASSERT_TRUE(stored.validation.has_value());
  EXPECT_EQ(stored.validation->to_json(), summary.validation->to_json());

  auto plain = config.to_json();
  plain["eval"]["validation"] = 0;
  TempDir other;
  const auto without = train_run(config_from_json(plain.dump()), other / "run", false);
  EXPECT_FALSE(without.validation.has_value());
  EXPECT_FALSE(Json::parse(read_file(other / "run" / "summary.json")).contains("validation"));
}

// The issue's CI check: a 2-layer Transformer at d_model 64 on lengths 2–8 reaches ≥ 95%
// string accuracy (free generation and teacher-forced).
TEST(Training, TransformerLearnsCopy) {
  const auto config = config_from_json(R"({"seed": 1,
      "model": {"type": "transformer", "d_model": 64, "n_layer": 2, "n_head": 4},
      "task": {"min_len": 2, "max_len": 8},
      "train": {"steps": 1200, "batch_size": 32, "pack_len": 64, "lr": 0.002, "warmup": 50},
      "eval": {"samples": 50}})");
  TempDir dir;
  const auto summary = train_run(config, dir / "run", false);
  const auto all = summary.eval.overall();
  std::printf("[ copy 2..8 ] string accuracy: %.3f generated, %.3f teacher-forced, %.1f s\n", all.gen.whole,
              all.tf.whole, summary.train_seconds);
  EXPECT_GE(all.gen.whole, 0.95);
  EXPECT_GE(all.tf.whole, 0.95);
}

}  // namespace
}  // namespace fl
