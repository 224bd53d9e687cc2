// Runs a sweep: registers its cells in its store (<dir>/results.sqlite, or a PostgreSQL database
// shared by several machines: experiments/sweep_store.h), then claims and trains them one at a
// time, each into <dir>/cells/<hash>/ (config.json, metrics.jsonl, summary.json, checkpoint)
// through train_run, storing the metrics in the cell's row. With workers > 1 the calling
// process spawns that many worker processes (worker_command) that share the queue, and only
// watches their progress. A cell that throws is recorded as failed with its one-line error and
// the sweep goes on; a killed worker leaves its cell running under a dead pid, which the next
// claim (by any process, now or in a rerun) takes over. Rerunning skips done cells and reruns
// failed and interrupted ones. SIGINT/SIGTERM stops the sweep: the calling process forwards it
// to its workers (each in a process group of its own, so it arrives once), every running cell
// stops at a step with a checkpoint, and, once the workers have exited, run_sweep throws
// TrainingInterrupted; a second signal kills at once (the worker processes die with it).
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "experiments/sweep_spec.h"
#include "experiments/sweep_store.h"

namespace fl {

struct SweepOptions {
  std::filesystem::path dir;                // the sweep directory (created): run directories, SQLite store
  std::string store;                        // a postgresql:// URL: the store, shared; "" = SQLite (below)
  std::string store_name;                   // the sweep's name in a PostgreSQL store ("" = the spec's name)
  std::filesystem::path database;           // the SQLite store; empty: <dir>/results.sqlite (a shard's: sweep_shard.h)
  int workers = 1;                          // > 1: worker processes started from worker_command
  std::vector<std::string> worker_command;  // argv of one worker process (needed when workers > 1)
  bool progress = true;                     // progress bar on stderr
  double heartbeat_seconds = 30;            // a worker refreshes its running cell's heartbeat this often
  double lease_seconds = 600;               // a holder on another host without heartbeat this long is gone
};

struct SweepSummary {
  int64_t cells = 0;
  int64_t done = 0;        // finished during this run
  int64_t skipped = 0;     // already done when it started
  int64_t failed = 0;      // failed now (including by other processes meanwhile)
  int64_t unfinished = 0;  // still queued or running (another process holds them, or workers died)
  std::vector<std::string> failures;  // "<hash> <cell>: <error>", one per failed cell
  std::string line(const std::string& name) const;  // the one-line summary
};

std::filesystem::path results_file(const std::filesystem::path& sweep_dir);
std::filesystem::path results_file(const SweepOptions& options);  // options.database, or the sweep directory's
// The store of `options` (the SQLite file results_file(options), or the URL's schema for the sweep).
std::unique_ptr<SweepStore> open_sweep_store(const SweepSpec& spec, const SweepOptions& options,
                                             SweepStore::Open mode);
std::filesystem::path cell_dir(const std::filesystem::path& sweep_dir, const std::string& hash);

// Enqueues the spec's cells (failed ones again), runs them, and summarises; TrainingInterrupted
// after a stop signal.
SweepSummary run_sweep(const SweepSpec& spec, const SweepOptions& options);

// One worker: claims and runs cells of `spec` until none is claimable; returns how many it ran.
// Does not enqueue (the process that started it did). TrainingInterrupted after a stop signal.
int64_t run_sweep_worker(const SweepSpec& spec, const SweepOptions& options);

}  // namespace fl
