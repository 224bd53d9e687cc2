// The results database of a sweep: one SQLite file (<sweep dir>/results.sqlite), one row per
// cell keyed by the cell's config hash, which doubles as the work queue shared by every worker
// process. A cell goes queued → running (claimed by one worker) → done | failed. Claims happen
// inside BEGIN IMMEDIATE transactions, so two processes never claim the same cell; a running
// cell whose holder died (same host: its process is gone; other host: no heartbeat for
// lease_seconds) is claimable again. Every claim increments `attempts` and is the token that
// the worker's later updates must match, so a worker that lost its claim cannot overwrite it.
// Schema: docs/SWEEPS.md.
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/config.h"
#include "experiments/sweep_spec.h"
#include "experiments/worker_id.h"

namespace fl {

class SqliteDb;

enum class CellStatus { kQueued, kRunning, kDone, kFailed };
const char* status_name(CellStatus status);  // "queued" …
CellStatus parse_status(const std::string& name);

// What a finished cell measured.
struct CellResult {
  Json metrics;  // the run's summary.json: losses, eval report by size, costs
  double final_loss = 0, accuracy = 0, accuracy_gen = -1;  // overall whole-answer accuracy; gen -1 = not measured
  double tokens_per_s = 0, train_seconds = 0, wall_seconds = 0;
  int64_t parameters = 0, state_bytes = 0, threads = 0;
};

// One row of the cells table.
struct CellRow {
  std::string hash, variant;
  int64_t ordinal = 0;
  Json config;  // flat, as in SweepCell
  CellStatus status = CellStatus::kQueued;
  int64_t attempts = 0;
  std::string host, error;
  std::optional<int64_t> pid, parameters, state_bytes, threads;
  std::optional<double> started_at, heartbeat_at, finished_at;  // unix seconds
  std::optional<double> final_loss, accuracy, accuracy_gen, tokens_per_s, train_seconds, wall_seconds;
  Json metrics;  // null unless done
};

// A worker's hold on a cell.
struct Claim {
  std::string hash;
  Json config;
  int64_t attempt = 0;  // the cell's `attempts` after this claim
};

struct QueueCounts {
  int64_t added = 0, requeued = 0;  // new cells; failed cells set back to queued
};

class ResultsStore {
 public:
  static constexpr const char* kFileName = "results.sqlite";
  static constexpr int kSchemaVersion = 1;

  // Opens the database: kReadOnly never writes it (`results`, reports; also in a read-only
  // directory); kExisting reads and writes; kCreate creates it first if there is no such file (a
  // complete database is linked into place, so another process never sees it half made).
  // fl::Error naming the file if it is not a freelunch results database of this schema version,
  // checked before anything is written: an empty or damaged file is never taken for a new one.
  enum class Open { kReadOnly, kExisting, kCreate };
  ResultsStore(const std::filesystem::path& file, Open mode, int busy_timeout_ms = 60000);
  ~ResultsStore();

  // Adds the cells that are new (queued) and updates the order (SweepCell::ordinal)/variant of known ones; with
  // requeue_failed, failed cells among them go back to the queue. One transaction.
  QueueCounts enqueue(const std::vector<SweepCell>& cells, bool requeue_failed);

  // Claims the first cell (by ordinal) among `allowed` that is queued, or running with a
  // vanished holder. nullopt when none is left.
  std::optional<Claim> claim_next(const std::unordered_set<std::string>& allowed, const WorkerId& me, double now,
                                  double lease_seconds);
  // These succeed (true) only while `me` still holds `claim`.
  bool heartbeat(const Claim& claim, const WorkerId& me, double now);
  bool finish_done(const Claim& claim, const WorkerId& me, const CellResult& result, double now);
  bool finish_failed(const Claim& claim, const WorkerId& me, const std::string& error, double now);

  std::vector<CellRow> rows();                      // every cell, by ordinal

  // The bytes of a results database file holding exactly `rows` (each as given, all columns; a
  // holder's pid_start, which CellRow does not carry, is left empty), ready for
  // write_file_atomic: how merged shard databases are written whole (results_merge.h).
  static std::string database_bytes(const std::vector<CellRow>& rows);
  std::map<std::string, CellStatus> statuses();    // hash → status (cheap, for progress)

 private:
  std::unique_ptr<SqliteDb> db_;
};

double unix_now();  // seconds since the epoch, wall clock

}  // namespace fl
