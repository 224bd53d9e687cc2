// A real (tiny) sweep in this process: every cell trains into its directory and its metrics land
// in the database; a bad grid point fails alone with its one-line error; a rerun skips the done
// cells untouched and retries the failed one.
#include <gtest/gtest.h>

#include <cmath>

#include "core/atomic_file.h"
#include "experiments/results_query.h"
#include "experiments/results_store.h"
#include "experiments/sweep_runner.h"
#include "support/fixtures.h"

namespace fl {
namespace {

using test_support::TempDir;

// 3 Mamba cells (one with an invalid d_state) + 1 Transformer cell, a few steps each.
constexpr const char* kSweep = R"(
[base]
seed = 3
model = { d_model = 8, n_layer = 1 }
task = { name = "copy", vocab = 4, min_len = 1, max_len = 3 }
train = { steps = 3, batch_size = 4, warmup = 1 }
eval = { samples = 2, sizes = [2, 3] }
[[variants]]
name = "mamba"
model.type = "mamba"
grid.model.d_state = [0, 1, 2]
[[variants]]
name = "transformer"
model = { type = "transformer", n_head = 2 }
)";

TEST(SweepRunner, RunsEveryCellAndResumes) {
  TempDir dir;
  write_file_atomic(dir / "tiny.toml", kSweep);
  const auto spec = SweepSpec::load(dir / "tiny.toml");
  ASSERT_EQ(spec.cells.size(), 4u);
  SweepOptions options;
  options.dir = dir / "sweep";
  options.progress = false;

  const auto first = run_sweep(spec, options);
  EXPECT_EQ(first.cells, 4);
  EXPECT_EQ(first.done, 3);
  EXPECT_EQ(first.skipped, 0);
  EXPECT_EQ(first.failed, 1);
  EXPECT_EQ(first.unfinished, 0);
  ASSERT_EQ(first.failures.size(), 1u);
  EXPECT_NE(first.failures[0].find("model.d_state=0"), std::string::npos) << first.failures[0];
  EXPECT_NE(first.failures[0].find("'model.d_state' must be ≥ 1"), std::string::npos) << first.failures[0];
  EXPECT_EQ(first.line("tiny"), "sweep tiny: 4 cells: 3 done, 0 skipped (done before), 1 failed");

  const auto rows = ResultsStore(results_file(options.dir), ResultsStore::Open::kExisting).rows();
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) {
    SCOPED_TRACE(row.hash);
    EXPECT_EQ(row.attempts, 1);
    if (row.status == CellStatus::kFailed) {
      EXPECT_EQ(row.config["model.d_state"], 0);
      EXPECT_EQ(row.error.find('\n'), std::string::npos);
      continue;
    }
    ASSERT_EQ(row.status, CellStatus::kDone);
    EXPECT_TRUE(std::isfinite(row.final_loss.value()) && row.final_loss.value() > 0);
    EXPECT_GE(row.accuracy.value(), 0.0);
    EXPECT_LE(row.accuracy.value(), 1.0);
    EXPECT_TRUE(row.accuracy_gen.has_value());
    EXPECT_GT(row.parameters.value(), 0);
    EXPECT_GT(row.state_bytes.value(), 0);
    EXPECT_GT(row.tokens_per_s.value(), 0);
    EXPECT_GE(row.wall_seconds.value(), row.train_seconds.value());
    EXPECT_EQ(row.metrics["eval"]["by_size"].size(), 2u);
    EXPECT_EQ(row.metrics["parameters"], row.parameters.value());
    for (const char* f : {"config.json", "model.safetensors", "metrics.jsonl", "summary.json"})
      EXPECT_TRUE(std::filesystem::exists(cell_dir(options.dir, row.hash) / f)) << f;
  }
  // Mamba's state grows with d_state; the results table shows the per-size accuracies.
  EXPECT_LT(rows[1].state_bytes.value(), rows[2].state_bytes.value());
  const auto table = select_results(rows, {"variant=mamba", "status=done"}, {"model.d_state", "acc@2", "acc@3"});
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_TRUE(table.rows[0][1].is_number() && table.rows[0][2].is_number());

  const auto second = run_sweep(spec, options);
  EXPECT_EQ(second.done, 0);
  EXPECT_EQ(second.skipped, 3);
  EXPECT_EQ(second.failed, 1);
  const auto rerun = ResultsStore(results_file(options.dir), ResultsStore::Open::kExisting).rows();
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rerun[i].attempts, rows[i].status == CellStatus::kFailed ? 2 : 1);  // only the failed cell reran
    if (rows[i].status == CellStatus::kDone) {
      EXPECT_EQ(rerun[i].finished_at.value(), rows[i].finished_at.value());
    }
  }
}

}  // namespace
}  // namespace fl
