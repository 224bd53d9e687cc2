// The scores of trained copy models in the `freelunch reproduce` report
// (reproduce/trained_scores_part.h): which cells are looked into, the stored JSON's round trip,
// and the theory section's table and plots from a real trained model. The whole pipeline
// (sweep → scores.json → report) runs in tests/reproduce/test_reproduce.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "core/atomic_file.h"
#include "core/error.h"
#include "report/claim_report.h"
#include "reproduce/report_sections.h"
#include "reproduce/theory_results.h"
#include "reproduce/trained_scores_part.h"
#include "support/fixtures.h"
#include "support/process.h"

namespace fl::reproduce {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

CellRow row(const std::string& hash, const Json& config, CellStatus status, double accuracy, int64_t parameters) {
  CellRow r;
  r.hash = hash, r.config = config, r.status = status, r.accuracy = accuracy, r.parameters = parameters;
  return r;
}

// Per model type: the longest training strings first, then accuracy, then parameters; cells not
// done or on another task are never chosen.
TEST(TrainedScoresPart, ChoosesPerModelTypeTheLongestThenMostAccurateCell) {
  const Json mamba6 = {{"model.type", "mamba"}, {"task.name", "copy"}, {"task.max_len", 6}};
  const Json mamba10 = {{"model.type", "mamba"}, {"task.name", "copy"}, {"task.max_len", 10}};
  const Json transformer10 = {{"model.type", "transformer"}, {"task.name", "copy"}, {"task.max_len", 10}};
  const Json lis = {{"model.type", "window"}, {"task.name", "lis"}};
  const std::vector<CellRow> cells = {
      row("a", mamba6, CellStatus::kDone, 1.0, 100),       row("b", mamba10, CellStatus::kDone, 0.5, 100),
      row("c", mamba10, CellStatus::kDone, 0.5, 200),      row("d", mamba10, CellStatus::kFailed, 1.0, 900),
      row("e", transformer10, CellStatus::kDone, 0.9, 10), row("f", transformer10, CellStatus::kRunning, 1.0, 10),
      row("g", lis, CellStatus::kDone, 1.0, 10)};
  const auto chosen = cells_for_scores(cells);
  ASSERT_EQ(chosen.size(), 2u);
  EXPECT_EQ(chosen[0].hash, "c");  // mamba: max_len 10, accuracy tie, more parameters
  EXPECT_EQ(chosen[1].hash, "e");  // transformer: the only done one
  EXPECT_TRUE(cells_for_scores({row("g", lis, CellStatus::kDone, 1.0, 10)}).empty());
}

TEST(TrainedScoresPart, JsonRoundTripKeepsEveryNumber) {
  StoredTrainedScores s;
  s.options.samples = 3, s.options.seed = 9, s.options.epsilon = 0.01, s.options.sizes = {4, 8};
  TrainedModelScores m;
  m.cell = "abc", m.label = "mamba, d_state 2", m.stem = "scores_mamba_abc", m.accuracy = 0.75;
  m.scores.model_type = "mamba", m.scores.step_decay = {0.5, NAN};
  m.scores.mamba.push_back({1, 5, 7, 0.25, 3.5, 0.125, 8.0, 16.0});
  TrainedModelScores t;
  t.cell = "def", t.label = "transformer", t.stem = "scores_transformer_def", t.accuracy = 1;
  t.scores.model_type = "transformer";
  t.scores.transformer.push_back({0, 9, 4, 6.5, 5.25, 7.0, NAN});
  s.models = {m, t};
  const std::string text = trained_scores_json(s).dump();
  const StoredTrainedScores back = read_trained_scores_json(Json::parse(text));
  EXPECT_EQ(trained_scores_json(back).dump(), text);
  ASSERT_EQ(back.models.size(), 2u);
  EXPECT_EQ(back.options.sizes, (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(back.models[0].scores.mamba.at(0).distance, 5);
  EXPECT_DOUBLE_EQ(back.models[0].scores.mamba.at(0).bound, 16.0);
  EXPECT_TRUE(std::isnan(back.models[0].scores.step_decay.at(1)));
  EXPECT_TRUE(std::isnan(back.models[1].scores.transformer.at(0).source_probability));
  Json broken = Json::parse(text);
  broken["models"][1]["transformer"][0].erase("needed_gap");
  const std::string message = test_support::error_of([&] { read_trained_scores_json(broken); });
  EXPECT_NE(message.find("trained scores JSON"), std::string::npos) << message;
  EXPECT_NE(message.find("needed_gap"), std::string::npos) << message;
}

// A tiny Mamba trained for a few steps on copy, as a sweep cell's run directory: measured, stored,
// and shown by the theory section as a table row per layer and length and a plot.
TEST(TrainedScoresPart, ARealTrainedCellIsMeasuredAndShown) {
  TempDir dir;
  const fs::path sweep = dir / "sweep";
  write_file_atomic(dir / "c.toml",
                    "seed = 1\n[model]\ntype = \"mamba\"\nd_model = 8\nn_layer = 2\nd_state = 2\n"
                    "[task]\nname = \"copy\"\nvocab = 4\nmin_len = 1\nmax_len = 4\n"
                    "[train]\nsteps = 2\nbatch_size = 2\nwarmup = 1\n[eval]\nsamples = 1\ngenerate = false\n");
  const auto r = test_support::run_command(test_support::shell_quote(FREELUNCH_BINARY) +
                                           " --threads 1 train --quiet --config " + (dir / "c.toml").string() +
                                           " --out " + (sweep / "cells" / "0123456789abcdef").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const CellRow cell = row("0123456789abcdef",
                           {{"model.type", "mamba"}, {"task.name", "copy"}, {"task.max_len", 4}, {"model.d_state", 2}},
                           CellStatus::kDone, 0.25, 1000);
  theory::CopyScoreOptions options;
  options.samples = 2;
  const StoredTrainedScores stored = measure_trained_scores({cell}, sweep, dir / "scores", options);
  ASSERT_EQ(stored.models.size(), 1u);
  const auto& m = stored.models[0];
  EXPECT_EQ(m.label, "mamba, d_state 2, d_model 8, trained to length 4 (cell 01234567)");
  ASSERT_FALSE(m.scores.mamba.empty());
  EXPECT_TRUE(fs::exists(dir / "scores" / (m.stem + ".csv")));
  EXPECT_TRUE(fs::exists(dir / "scores" / (m.stem + "_plot.csv")));
  for (const auto& score : m.scores.mamba) {
    EXPECT_GT(score.needed_score, 0);
    EXPECT_GE(score.bound, 1.0 - 1e-12);  // (1/a)^(L−1) with a ≤ 1
  }
  // The section: one table row per stored score row, a plot per model, copied into the report.
  const fs::path report = dir / "report";
  fs::create_directories(report);
  theory::CopyTheoryOptions co;
  co.max_n = 4, co.samples = 1, co.state = 2, co.measure_frontier = false, co.out = dir / "copy";
  const Json copy = copy_theory_json(co, theory::run_copy_theory(co));
  const ClaimSection section = theory_section(copy, co.out, Json(), fs::path(), trained_scores_json(stored),
                                              dir / "scores", {{"theory", "", "", ""}, report});
  const ReportTable* table = nullptr;
  for (const auto& t : section.tables)
    if (t.caption.rfind("Scores in trained copy models", 0) == 0) table = &t;
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->rows.size(), m.scores.mamba.size());
  EXPECT_TRUE(fs::exists(report / ("theory_" + m.stem + ".csv")));
  // A cell whose run directory is gone: one error naming the cell.
  const std::string message = test_support::error_of(
      [&] { measure_trained_scores({row("feedbeef", cell.config, CellStatus::kDone, 1, 1)}, sweep, dir / "s2", options); });
  EXPECT_NE(message.find("cell feedbeef"), std::string::npos) << message;
}

}  // namespace
}  // namespace fl::reproduce
