// Merging results databases: the rule per cell (done copied whole, identical duplicates
// tolerated, conflicting ones refused naming the cell, failed kept, unfinished requeued without a
// holder), the merged file written whole or not at all, and a real tiny sweep run as 3 shards
// whose merged database holds the rows of the same sweep run whole — also when one shard is
// missing and a rerun of the sweep on the merged directory finishes its cells.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/results_merge.h"
#include "experiments/sweep_runner.h"
#include "experiments/sweep_shard.h"
#include "support/fixtures.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::error_of;
using test_support::TempDir;

CellRow row(int64_t ordinal, CellStatus status) {
  CellRow r;
  r.config = {{"seed", ordinal + 1}, {"model.d_state", 2}};
  r.hash = config_hash(r.config);
  r.ordinal = ordinal;
  r.status = status;
  r.attempts = 1;
  if (status == CellStatus::kQueued) return r;
  r.host = "node1", r.pid = 100 + ordinal, r.started_at = 1000.0 + ordinal, r.heartbeat_at = 1010.0 + ordinal;
  if (status == CellStatus::kRunning) return r;
  r.finished_at = 1020.0 + ordinal;
  if (status == CellStatus::kFailed) {
    r.error = "'model.d_state' must be ≥ 1";
    return r;
  }
  r.metrics = {{"final_loss", 0.5}, {"eval", {{"by_size", Json::array()}}}};
  r.final_loss = 0.5, r.accuracy = 0.75, r.parameters = 1234, r.state_bytes = 64, r.threads = 1;
  r.tokens_per_s = 5000, r.train_seconds = 2, r.wall_seconds = 3;
  return r;
}

// The fields two databases must agree on for one cell, as merge_rows writes them.
Json fields(const CellRow& r) {
  return {{"hash", r.hash},         {"ordinal", r.ordinal},   {"variant", r.variant},
          {"config", r.config},     {"status", status_name(r.status)}, {"attempts", r.attempts},
          {"host", r.host},         {"pid", r.pid ? Json(*r.pid) : Json()},
          {"error", r.error},       {"metrics", r.metrics},   {"accuracy", r.accuracy ? Json(*r.accuracy) : Json()},
          {"finished", r.finished_at ? Json(*r.finished_at) : Json()},
          {"started", r.started_at ? Json(*r.started_at) : Json()}};
}

TEST(ResultsMerge, DoneRowsWinAndAreCopiedWhole) {
  const CellRow done = row(0, CellStatus::kDone);
  CellRow queued_elsewhere = done;
  queued_elsewhere.status = CellStatus::kQueued, queued_elsewhere.metrics = Json();
  const auto merged = merge_rows({{"a", {queued_elsewhere}}, {"b", {done}}, {"c", {done}}});  // c: a copy
  ASSERT_EQ(merged.rows.size(), 1u);
  EXPECT_EQ(fields(merged.rows[0]), fields(done));
  EXPECT_EQ(merged.done, 1);
  EXPECT_EQ(merged.queued, 0);
}

TEST(ResultsMerge, ConflictingDoneRowsAreRefusedNamingTheCell) {
  const CellRow first = row(0, CellStatus::kDone);
  CellRow second = first;
  second.accuracy = 0.25, second.finished_at = 2000.0;  // the cell ran a second time
  const std::string e = error_of([&] { merge_rows({{"shards/1-of-2/results.sqlite", {first}}, {"other.sqlite", {second}}}); });
  EXPECT_EQ(e, "cell " + first.hash + " is done in shards/1-of-2/results.sqlite and in other.sqlite with "
                   "different results (it ran twice): merge without one of them");

  CellRow other_config = first;
  other_config.config["seed"] = 99;  // same hash, another configuration: damaged
  EXPECT_NE(error_of([&] { merge_rows({{"a", {first}}, {"b", {other_config}}}); }).find("different configurations"),
            std::string::npos);
}

TEST(ResultsMerge, UnfinishedCellsAreRequeuedAndFailedOnesKept) {
  CellRow running = row(1, CellStatus::kRunning);
  running.attempts = 3;
  CellRow queued = running;
  queued.status = CellStatus::kQueued, queued.attempts = 1;
  const CellRow failed_early = row(2, CellStatus::kFailed);
  CellRow failed_late = failed_early;
  failed_late.finished_at = 5000.0, failed_late.error = "later error";
  const auto merged =
      merge_rows({{"a", {row(3, CellStatus::kDone), queued, failed_late}}, {"b", {running, failed_early}}});
  ASSERT_EQ(merged.rows.size(), 3u);
  EXPECT_EQ(merged.done, 1);
  EXPECT_EQ(merged.failed, 1);
  EXPECT_EQ(merged.queued, 1);
  // By ordinal: the requeued cell (1), the failed one (2), the done one (3).
  const CellRow& requeued = merged.rows[0];
  EXPECT_EQ(requeued.status, CellStatus::kQueued);
  EXPECT_EQ(requeued.attempts, 3);
  EXPECT_EQ(requeued.host, "");
  EXPECT_FALSE(requeued.pid || requeued.started_at || requeued.heartbeat_at || requeued.finished_at);
  EXPECT_EQ(merged.rows[1].status, CellStatus::kFailed);
  EXPECT_EQ(merged.rows[1].error, "later error");
  EXPECT_EQ(merged.rows[2].ordinal, 3);
}

TEST(ResultsMerge, WritesTheMergedDatabaseWholeOrNotAtAll) {
  TempDir dir;
  const fs::path sweep = dir / "sweep", other = dir / "other";
  const CellRow done = row(0, CellStatus::kDone), queued = row(1, CellStatus::kQueued);
  fs::create_directories(shard_dir(sweep, {1, 2}));
  fs::create_directories(other);
  write_file_atomic(shard_database(sweep, {1, 2}), ResultsStore::database_bytes({done}));
  write_file_atomic(results_file(other), ResultsStore::database_bytes({queued}));

  const auto summary = merge_results(sweep, {other, other / "results.sqlite"});  // the same database twice
  EXPECT_EQ(summary.databases, 2);
  EXPECT_EQ(summary.line(), "merged 2 databases into " + results_file(sweep).string() +
                                ": 2 cells: 1 done, 0 failed, 1 not done (queued: rerun the sweep on this "
                                "directory to finish them); 1 done cells have no run directory in " +
                                (sweep / "cells").string() + " (copy them from the machines that ran them)");
  auto rows = ResultsStore(results_file(sweep), ResultsStore::Open::kReadOnly).rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(fields(rows[0]), fields(done));
  EXPECT_EQ(fields(rows[1]), fields(queued));
  // Merged again, its own database among the sources: the same rows (identical duplicates).
  EXPECT_EQ(merge_results(sweep, {other}).databases, 3);
  EXPECT_EQ(ResultsStore(results_file(sweep), ResultsStore::Open::kReadOnly).rows().size(), 2u);

  const std::string before = read_file(results_file(sweep));
  EXPECT_NE(error_of([&] { merge_results(sweep, {dir / "nowhere"}); }).find("no such sweep directory"),
            std::string::npos);
  fs::create_directories(dir / "empty");
  EXPECT_NE(error_of([&] { merge_results(sweep, {dir / "empty"}); }).find("no results database here"),
            std::string::npos);
  CellRow conflicting = done;
  conflicting.accuracy = 0.125;
  write_file_atomic(results_file(other), ResultsStore::database_bytes({conflicting}));
  EXPECT_NE(error_of([&] { merge_results(sweep, {other}); }).find("cell " + done.hash), std::string::npos);
  EXPECT_EQ(read_file(results_file(sweep)), before);  // every refusal left it untouched
  {
    ResultsStore open_by_a_sweep(results_file(sweep), ResultsStore::Open::kExisting);  // WAL: -wal exists
    open_by_a_sweep.statuses();
    const std::string opened = read_file(results_file(sweep));  // SQLite itself turned it to WAL mode
    EXPECT_NE(error_of([&] { merge_results(sweep, {}); }).find("open in another process"), std::string::npos);
    EXPECT_EQ(read_file(results_file(sweep)), opened);  // nor did this one
  }
  for (const auto& [name, bytes] : test_support::files_in(sweep))
    EXPECT_EQ(name.find(".tmp."), std::string::npos) << name;
}

// 6 tiny cells (one fails: d_state 0), a few steps each.
constexpr const char* kSweep = R"(
[base]
model = { type = "mamba", d_model = 8, n_layer = 1 }
task = { name = "copy", vocab = 4, min_len = 1, max_len = 3 }
train = { steps = 3, batch_size = 4, warmup = 1 }
eval = { samples = 2, sizes = [2, 3] }
[grid]
model.d_state = [0, 1, 2]
seed = [1, 2]
)";

// What a cell's row holds that does not depend on timing (times, throughput, generation speed).
Json measured(const CellRow& r) {
  Json metrics = r.metrics;
  if (metrics.is_object())
    for (const char* timing : {"tokens_per_s", "train_seconds", "generation"}) metrics.erase(timing);
  return {{"hash", r.hash},
          {"ordinal", r.ordinal},
          {"config", r.config},
          {"status", status_name(r.status)},
          {"attempts", r.attempts},
          {"error", r.error},
          {"metrics", metrics},
          {"loss", r.final_loss ? Json(*r.final_loss) : Json()},
          {"accuracy", r.accuracy ? Json(*r.accuracy) : Json()},
          {"gen", r.accuracy_gen ? Json(*r.accuracy_gen) : Json()},
          {"parameters", r.parameters ? Json(*r.parameters) : Json()},
          {"state_bytes", r.state_bytes ? Json(*r.state_bytes) : Json()},
          {"threads", r.threads ? Json(*r.threads) : Json()}};
}

std::vector<Json> measured_rows(const fs::path& sweep_dir) {
  std::vector<Json> out;
  for (const auto& r : ResultsStore(results_file(sweep_dir), ResultsStore::Open::kReadOnly).rows())
    out.push_back(measured(r));
  return out;
}

void run_shard(const SweepSpec& spec, const fs::path& dir, const Shard& shard) {
  SweepOptions options;
  options.dir = dir;
  options.database = shard_database(dir, shard);
  options.progress = false;
  run_sweep(shard_spec(spec, shard), options);
}

TEST(ResultsMerge, ShardsOfARealSweepMergeIntoTheRowsOfTheWholeSweep) {
  TempDir dir;
  write_file_atomic(dir / "tiny.toml", kSweep);
  const auto spec = SweepSpec::load(dir / "tiny.toml");
  ASSERT_EQ(spec.cells.size(), 6u);
  int64_t nonempty = 0;
  for (int64_t i = 1; i <= 3; ++i) nonempty += !shard_spec(spec, {i, 3}).cells.empty();
  ASSERT_GE(nonempty, 2) << "the tiny sweep must really be split";

  SweepOptions whole;
  whole.dir = dir / "whole";
  whole.progress = false;
  run_sweep(spec, whole);
  const auto expected = measured_rows(whole.dir);

  const fs::path sharded = dir / "sharded";
  for (int64_t i = 1; i <= 3; ++i) run_shard(spec, sharded, {i, 3});
  const auto summary = merge_results(sharded, {});
  EXPECT_EQ(summary.databases, 3);
  EXPECT_EQ(summary.merged.done, 4);
  EXPECT_EQ(summary.merged.failed, 2);
  EXPECT_EQ(summary.missing_run_dirs, 0);  // the shards trained into sharded/cells/
  EXPECT_EQ(measured_rows(sharded), expected);

  // One shard never ran: its cells are in no database, so the merge has none of them (it knows no
  // sweep file), and a rerun of the whole sweep on the merged directory queues and trains just those.
  const fs::path partial = dir / "partial";
  run_shard(spec, partial, {1, 3});
  run_shard(spec, partial, {3, 3});
  const auto merged = merge_results(partial, {}).merged;
  EXPECT_EQ(merged.queued, 0);
  EXPECT_EQ(merged.rows.size(), spec.cells.size() - shard_spec(spec, {2, 3}).cells.size());
  SweepOptions rerun;
  rerun.dir = partial;
  rerun.progress = false;
  const auto finished = run_sweep(spec, rerun);
  EXPECT_EQ(finished.skipped, merged.done);  // the shards' done cells are not trained again
  EXPECT_EQ(finished.done + finished.skipped, 4);
  EXPECT_EQ(finished.failed, 2);
  EXPECT_EQ(finished.unfinished, 0);
  const auto rows = measured_rows(partial);
  auto want = expected;
  for (auto& cell : want)  // a failed cell merged as failed was retried by the rerun: one claim more
    if (cell["status"] == "failed" && shard_of(cell["hash"].get<std::string>(), 3) != 2) cell["attempts"] = 2;
  EXPECT_EQ(rows, want);
}

}  // namespace
}  // namespace fl
