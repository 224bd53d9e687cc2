// Merging results databases into one: the shards of a sweep run as a job array (sweep_shard.h),
// or copies of one sweep's database from several machines (docs/SWEEPS.md "Many machines").
// Per cell (config hash) over all the databases:
//  - done somewhere: its done row, copied whole (metrics, worker, times). Several done rows must
//    be the same run (equal results, worker and finish time, as a copied or re-merged database
//    holds it); done rows that differ are refused with a one-line error naming the cell;
//  - else failed somewhere: the failed row with the latest finish (its error stays visible; a
//    rerun of the sweep retries it, as for any failed cell);
//  - else (queued, or running: a shard still at work or killed): queued, no holder, the largest
//    attempt count kept, so a rerun of the sweep finishes it.
// Two rows of one hash with different configurations mean a damaged database: refused.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/results_store.h"

namespace fl {

// One database's rows; `name` (its path) names it in errors.
struct MergeSource {
  std::string name;
  std::vector<CellRow> rows;
};

struct MergedRows {
  std::vector<CellRow> rows;  // one per cell, by ordinal then hash
  int64_t done = 0, failed = 0, queued = 0;
};

// The rule above; fl::Error naming the cell and both databases for a conflict.
MergedRows merge_rows(const std::vector<MergeSource>& sources);

struct MergeSummary {
  std::filesystem::path file;   // the merged database written
  int64_t databases = 0;        // databases read
  MergedRows merged;
  int64_t missing_run_dirs = 0;  // done cells without <into>/cells/<hash>/summary.json
  std::string line() const;      // "merged 3 databases into …: 10 cells: 8 done, 1 failed, 1 not done (queued: …)"
};

// Merges into `into_dir`/results.sqlite (created, or replaced atomically: never half-written)
// the databases of `into_dir` itself and of every source: a sweep or shard directory gives its
// results.sqlite and its shards/*/results.sqlite, a file is a results database. fl::Error when a
// source holds none, on a conflict, or when `into_dir`'s database is open in another process
// (its -wal file remains: a sweep is running on it). Nothing is written on any error.
MergeSummary merge_results(const std::filesystem::path& into_dir, const std::vector<std::filesystem::path>& sources);

}  // namespace fl
