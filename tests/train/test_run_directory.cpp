// RunDirectory is the one reader and writer of a run's summary.json and of the evaluations in its
// metrics.jsonl: typed round trips, and one-line errors on damaged files.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "support/fixtures.h"
#include "train/metrics.h"
#include "train/run_directory.h"

namespace fl {
namespace {

using test_support::error_of;
using test_support::TempDir;

SizeAccuracy row(int64_t size, double tf, std::optional<double> gen) {
  SizeAccuracy r;
  r.size = size, r.n = 4, r.tf = {tf, tf, tf};
  if (gen) r.generated = true, r.gen = {*gen, *gen, *gen};
  return r;
}

TrainSummary example_summary() {
  TrainSummary s;
  s.final_loss = 0.125, s.tokens_per_second = 1234.5, s.train_seconds = 6.75, s.parameters = 4321;
  s.state_bytes_per_token = 2048, s.threads = 2;
  s.eval.rows = {row(5, 0.5, 0.25), row(10, 0.75, 0.5)};
  s.eval.generation = {{5, 4, 40, 0.01}, {10, 4, 80, 0.02}};
  return s;
}

TEST(RunDirectory, SummaryRoundTripsThroughSummaryJson) {
  TempDir dir;
  const RunDirectory run(dir.path());
  const TrainSummary written = example_summary();
  run.write_summary(written);
  const TrainSummary read = run.summary();
  EXPECT_EQ(read.to_json(), written.to_json());
  EXPECT_EQ(read.parameters, 4321);
  EXPECT_EQ(read.state_bytes_per_token, 2048);
  ASSERT_EQ(read.eval.generation.size(), 2u);
  EXPECT_EQ(read.eval.generation[1].tokens, 80);
  EXPECT_DOUBLE_EQ(read.eval.overall().gen.whole, written.eval.overall().gen.whole);
  // Without generation, no "generation" key is written and none is read back.
  TrainSummary plain = written;
  plain.eval.generation.clear();
  EXPECT_FALSE(plain.to_json().contains("generation"));
  EXPECT_TRUE(TrainSummary::from_json(plain.to_json()).eval.generation.empty());
}

TEST(RunDirectory, DamagedSummaryIsAOneLineErrorNamingTheFile) {
  TempDir dir;
  const RunDirectory run(dir.path());
  write_file_atomic(run.summary_file(), "{\"final_loss\": 1}\n");
  EXPECT_EQ(error_of([&] { run.summary(); }), run.summary_file().string() +
                                                  ": damaged or of an older format; remove " + dir.path().string() +
                                                  " to train the run again");
  write_file_atomic(run.summary_file(), "not json");
  EXPECT_NE(error_of([&] { run.summary(); }).find("damaged"), std::string::npos);
}

TEST(RunDirectory, EvalCurveReadsTheEvaluationLinesInOrder) {
  TempDir dir;
  const RunDirectory run(dir.path());
  {
    MetricsLog log(run.metrics_file());
    EvalReport first, second;
    first.rows = {row(5, 0.25, std::nullopt)};
    second.rows = {row(5, 1.0, 0.75)};
    log.write({{"step", 10}, {"loss", 2.0}, {"lr", 0.001}});
    log.write({{"step", 10}, {"eval", first.to_json()}});
    log.write({{"step", 20}, {"loss", 1.0}, {"lr", 0.001}});
    log.write({{"step", 20}, {"eval", second.to_json()}});
  }
  const auto curve = run.eval_curve();
  ASSERT_EQ(curve.size(), 2u);
  EXPECT_EQ(curve[0].step, 10);
  EXPECT_DOUBLE_EQ(curve[0].accuracy, 0.25);
  EXPECT_FALSE(curve[0].generated.has_value());
  EXPECT_EQ(curve[1].step, 20);
  EXPECT_DOUBLE_EQ(curve[1].generated.value_or(-1), 0.75);
  // The stored form (a sweep cell's "eval_curve") reads back to the same points.
  const auto again = eval_curve_from_json(to_json(curve));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[1].step, 20);
  EXPECT_EQ(again[0].generated, std::nullopt);
  EXPECT_EQ(to_json(again), to_json(curve));
}

}  // namespace
}  // namespace fl
