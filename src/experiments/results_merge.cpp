#include "experiments/results_merge.h"

#include <algorithm>
#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/sweep_runner.h"
#include "experiments/sweep_shard.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

// One cell's row in one database.
struct Found {
  const CellRow* row;
  const std::string* source;
};

// Two done rows are one run copied: the same results, worker and finish time.
bool same_run(const CellRow& a, const CellRow& b) {
  return a.metrics == b.metrics && a.final_loss == b.final_loss && a.accuracy == b.accuracy &&
         a.accuracy_gen == b.accuracy_gen && a.parameters == b.parameters && a.state_bytes == b.state_bytes &&
         a.tokens_per_s == b.tokens_per_s && a.train_seconds == b.train_seconds &&
         a.wall_seconds == b.wall_seconds && a.threads == b.threads && a.finished_at == b.finished_at &&
         a.host == b.host && a.pid == b.pid;
}

// A cell never finished: queued, without a holder, its claims so far kept.
CellRow requeued(const std::vector<Found>& found) {
  CellRow row = *found.front().row;
  for (const auto& f : found) row.attempts = std::max(row.attempts, f.row->attempts);
  row.status = CellStatus::kQueued;
  row.host.clear(), row.error.clear();
  row.pid.reset(), row.started_at.reset(), row.heartbeat_at.reset(), row.finished_at.reset();
  return row;
}

// The row a cell keeps (the rule of results_merge.h); `label` names the cell in errors.
CellRow merge_cell(const std::vector<Found>& found, const std::string& label) {
  const Found* done = nullptr;
  const Found* failed = nullptr;
  for (const auto& f : found) {
    require(f.row->config == found.front().row->config,
            "cell " + label + " has different configurations in " + *found.front().source + " and " + *f.source +
                " (a damaged database?)");
    if (f.row->status == CellStatus::kDone) {
      if (done && !same_run(*done->row, *f.row))  // (not require: its message would read *done first)
        throw Error("cell " + label + " is done in " + *done->source + " and in " + *f.source +
                    " with different results (it ran twice): merge without one of them");
      if (!done) done = &f;
    } else if (f.row->status == CellStatus::kFailed) {
      if (!failed || f.row->finished_at.value_or(0) > failed->row->finished_at.value_or(0)) failed = &f;
    }
  }
  if (done) return *done->row;
  if (failed) return *failed->row;
  return requeued(found);
}

// The databases to merge, each once: into_dir's own and every source's.
std::vector<fs::path> databases_to_merge(const fs::path& into_dir, const std::vector<fs::path>& sources) {
  std::vector<fs::path> files, seen;
  const auto add = [&](const fs::path& file) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(file, ec);
    if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) return;
    seen.push_back(canonical);
    files.push_back(file);
  };
  // A sweep or shard directory: its results.sqlite and its shards'; false when it has none.
  const auto add_directory = [&](const fs::path& dir) {
    std::vector<fs::path> found = shard_databases(dir);
    if (fs::exists(results_file(dir))) found.insert(found.begin(), results_file(dir));
    for (const auto& file : found) add(file);
    return !found.empty();
  };
  add_directory(into_dir);
  for (const auto& source : sources) {
    if (fs::is_regular_file(source)) {
      add(source);
      continue;
    }
    require(fs::is_directory(source), source.string() + ": no such sweep directory or results database");
    require(add_directory(source), source.string() + ": no results database here (neither " +
                                       ResultsStore::kFileName + " nor shards/*/" + ResultsStore::kFileName + ")");
  }
  require(!files.empty(), into_dir.string() + ": nothing to merge (no " + ResultsStore::kFileName + ", no shards/*/" +
                              ResultsStore::kFileName + ")");
  return files;
}

}  // namespace

MergedRows merge_rows(const std::vector<MergeSource>& sources) {
  std::map<std::string, std::vector<Found>> by_hash;
  std::vector<Json> configs;
  for (const auto& source : sources)
    for (const auto& row : source.rows) {
      by_hash[row.hash].push_back({&row, &source.name});
      configs.push_back(row.config);
    }
  const auto keys = varied_keys(configs);
  MergedRows out;
  for (const auto& [hash, found] : by_hash) {
    const std::string what = describe_cell(found.front().row->config, keys);  // "" when one cell is merged
    out.rows.push_back(merge_cell(found, what.empty() ? hash : hash + " (" + what + ")"));
    switch (out.rows.back().status) {
      case CellStatus::kDone: ++out.done; break;
      case CellStatus::kFailed: ++out.failed; break;
      default: ++out.queued; break;
    }
  }
  std::stable_sort(out.rows.begin(), out.rows.end(),
                   [](const CellRow& a, const CellRow& b) { return a.ordinal < b.ordinal; });  // hashes already sorted
  return out;
}

std::string MergeSummary::line() const {
  std::string s = "merged " + std::to_string(databases) + " database" + (databases == 1 ? "" : "s") + " into " +
                  file.string() + ": " + std::to_string(merged.rows.size()) + " cells: " +
                  std::to_string(merged.done) + " done, " + std::to_string(merged.failed) + " failed, " +
                  std::to_string(merged.queued) + " not done";
  if (merged.queued > 0) s += " (queued: rerun the sweep on this directory to finish them)";
  if (missing_run_dirs > 0)
    s += "; " + std::to_string(missing_run_dirs) + " done cells have no run directory in " +
         (file.parent_path() / "cells").string() + " (copy them from the machines that ran them)";
  return s;
}

MergeSummary merge_results(const fs::path& into_dir, const std::vector<fs::path>& sources) {
  MergeSummary summary;
  summary.file = results_file(into_dir);
  std::vector<MergeSource> read;
  for (const auto& file : databases_to_merge(into_dir, sources))
    read.push_back({file.string(), ResultsStore(file, ResultsStore::Open::kReadOnly).rows()});
  summary.databases = static_cast<int64_t>(read.size());
  const fs::path wal = summary.file.string() + "-wal";
  require(!fs::exists(wal), summary.file.string() + ": open in another process (" + wal.string() +
                                " exists): let the sweep running on it finish, then merge");
  summary.merged = merge_rows(read);
  std::error_code ec;
  fs::create_directories(into_dir, ec);
  require(!ec, into_dir.string() + ": cannot create the directory: " + ec.message());
  write_file_atomic(summary.file, ResultsStore::database_bytes(summary.merged.rows));
  for (const auto& row : summary.merged.rows)
    summary.missing_run_dirs +=
        row.status == CellStatus::kDone && !fs::exists(cell_dir(into_dir, row.hash) / "summary.json");
  return summary;
}

}  // namespace fl
