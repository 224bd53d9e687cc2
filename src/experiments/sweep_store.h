// The store of a sweep: one row per cell keyed by the cell's config hash, which doubles as the
// work queue shared by every worker process. A cell goes queued → running (claimed by one
// worker) → done | failed. Claims are atomic across processes, so two workers never claim the
// same cell; a running cell whose holder died (same host: its process is gone; other host: no
// heartbeat for lease_seconds) is claimable again. Every claim increments `attempts` and is the
// token that the worker's later updates must match, so a worker that lost its claim cannot
// overwrite it. Two backends with the same schema and behaviour: SQLite in the sweep directory
// (ResultsStore, the default) and a PostgreSQL database shared by many machines (PostgresStore).
// Schema: docs/SWEEPS.md.
#pragma once
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

class SweepStore {
 public:
  static constexpr int kSchemaVersion = 1;

  // kReadOnly never writes (`results`, reports); kExisting reads and writes an existing store;
  // kCreate creates it first when there is none.
  enum class Open { kReadOnly, kExisting, kCreate };

  virtual ~SweepStore() = default;

  // Adds the cells that are new (queued) and updates the order/variant of known ones; with
  // requeue_failed, failed cells among them go back to the queue. One transaction.
  virtual QueueCounts enqueue(const std::vector<SweepCell>& cells, bool requeue_failed) = 0;

  // Claims the first cell (by ordinal) among `allowed` that is queued, or running with a
  // vanished holder (holder_vanished). nullopt when none is left.
  virtual std::optional<Claim> claim_next(const std::unordered_set<std::string>& allowed, const WorkerId& me,
                                          double now, double lease_seconds) = 0;
  // These succeed (true) only while `me` still holds `claim`.
  virtual bool heartbeat(const Claim& claim, const WorkerId& me, double now) = 0;
  virtual bool finish_done(const Claim& claim, const WorkerId& me, const CellResult& result, double now) = 0;
  virtual bool finish_failed(const Claim& claim, const WorkerId& me, const std::string& error, double now) = 0;

  virtual std::vector<CellRow> rows() = 0;                    // every cell, by ordinal
  virtual std::map<std::string, CellStatus> statuses() = 0;  // hash → status (cheap, for progress)
};

// Whether the holder of a running cell is gone: on this host, its process no longer runs; on
// another host, its last heartbeat is older than lease_seconds.
bool holder_vanished(const WorkerId& holder, double heartbeat_at, const WorkerId& me, double now,
                     double lease_seconds);

// The store at `location`: a postgresql:// or postgres:// URL (PostgresStore, the sweep kept
// in the database's schema for `sweep_name`), otherwise a sweep directory (ResultsStore on
// <location>/results.sqlite, which holds one sweep: `sweep_name` is not needed there).
std::unique_ptr<SweepStore> open_sweep_store(const std::string& location, const std::string& sweep_name,
                                             SweepStore::Open mode);

// Whether `location` holds the sweep yet (a results.sqlite in the directory; the sweep's schema
// in the database), read without writing.
bool sweep_store_exists(const std::string& location, const std::string& sweep_name);

double unix_now();  // seconds since the epoch, wall clock

}  // namespace fl
