// Training of one run: task data → model → AdamW (decay groups), warm-up + cosine schedule,
// gradient clipping → metrics.jsonl, evaluation, checkpoint. One seed decides data,
// initialisation and order: same seed + same thread count → identical loss curve, also across
// an interruption: every train.checkpoint_every steps (and at step 0) the whole training state
// goes to <out>/checkpoints/ (train/checkpoint_series.h), and resume_run continues from the
// latest one exactly as if never stopped (docs/RELIABILITY.md).
#pragma once
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.h"
#include "train/distributed_env.h"
#include "train/run_config.h"
#include "train/train_summary.h"

namespace fl {

struct TrainOptions {
  bool show_progress = true;
  int64_t stop_at = 0;  // > 0: after this many steps, write a checkpoint and return (finished = false)
  // Set: one process of a data-parallel run (train/data_parallel.h). Every process trains the same
  // replica on its rows of each batch and evaluates; rank 0 alone writes the run directory, shows
  // progress and returns a full summary (the others return finished, steps_done and train_seconds).
  std::optional<DistributedEnv> distributed;
  std::chrono::seconds distributed_timeout{60};  // bounds every wait for the other processes
};

// SIGINT or SIGTERM stopped the run at a step boundary, after a checkpoint of that step was
// written and metrics.jsonl synced.
class TrainingInterrupted : public Error {
 public:
  TrainingInterrupted(int signal, const std::string& message) : Error(message), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

// Trains into `out_dir` (created; must be new or empty), writing metrics.jsonl as it goes and
// checkpoints under out_dir/checkpoints/, then summary.json and the final checkpoint
// (config.json + model.safetensors + manifest) in out_dir itself, and removes checkpoints/. In a
// data-parallel run only rank 0 touches `out_dir`.
// Throws TrainingInterrupted on SIGINT/SIGTERM; fl::Error naming the step if the loss, the
// gradient norm or the weights stop being finite (the checkpoints written before stay intact).
TrainSummary train_run(const RunConfig& config, const std::filesystem::path& out_dir, const TrainOptions& options);
TrainSummary train_run(const RunConfig& config, const std::filesystem::path& out_dir, bool show_progress);

// Continues the run in `run_dir` from its latest checkpoint (same configuration; metrics.jsonl
// cut back to that step). fl::Error if the run has finished or has no checkpoint. In a
// data-parallel run every process loads the checkpoint (it must see `run_dir`); rank 0 writes.
TrainSummary resume_run(const std::filesystem::path& run_dir, const TrainOptions& options);

}  // namespace fl
