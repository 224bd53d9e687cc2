// A run directory and the one owner of each file in it:
//   config.json, model.safetensors, vocab.json, manifest.json   the final checkpoint (train/checkpoint.h)
//   checkpoints/                    the resumable series while the run trains (train/checkpoint_series.h)
//   metrics.jsonl                   written line by line by the trainer (train/metrics.h: MetricsLog),
//                                   read back here (eval_curve)
//   summary.json                    written and read here (TrainSummary, train/train_summary.h)
//
// What a directory given as a run's --out holds, for `train` and `compare` to decide between
// starting, reusing, resuming and refusing (docs/RELIABILITY.md):
//   empty        missing, or an empty directory
//   unstarted    the remains of a run that stopped before checkpoints/latest named its first
//                checkpoint (an empty metrics.jsonl, a checkpoints/ directory without `latest`):
//                nothing to resume, so a new run may clear it and start there
//   interrupted  a run with checkpoints/latest: `train --resume` continues it
//   finished     a finished run (config.json, no checkpoints/latest)
//   other        anything else: never touched
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "train/train_summary.h"

namespace fl {

enum class RunDirectoryState { empty, unstarted, interrupted, finished, other };

// One evaluation as it happened (metrics.jsonl "eval" lines: every train.eval_every steps and the
// final one): overall teacher-forced whole-answer accuracy, and the generated one when measured.
struct EvalPoint {
  int64_t step = 0;
  double accuracy = 0;
  std::optional<double> generated;
};
Json to_json(const std::vector<EvalPoint>& curve);  // [{"step", "accuracy", "gen": number or null}]
std::vector<EvalPoint> eval_curve_from_json(const Json& json);

class RunDirectory {
 public:
  explicit RunDirectory(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const std::filesystem::path& path() const { return dir_; }
  std::filesystem::path metrics_file() const { return dir_ / "metrics.jsonl"; }
  std::filesystem::path summary_file() const { return dir_ / "summary.json"; }

  RunDirectoryState state() const;
  // Removes what a run that stopped before its first checkpoint left (metrics.jsonl, checkpoints/).
  void clear_unstarted() const;
  // The resolved config (config.json) of the run: of the finished run, or of the checkpoint
  // checkpoints/latest names (verified against its manifest).
  Json saved_config(RunDirectoryState state) const;

  void write_summary(const TrainSummary& summary) const;  // atomically
  // The finished run's summary.json; fl::Error naming the file when it is damaged or of an older format.
  TrainSummary summary() const;
  // The evaluations in metrics.jsonl, in order.
  std::vector<EvalPoint> eval_curve() const;

 private:
  std::filesystem::path dir_;
};

// "train.steps = 5 (the run has 8)": the first key whose value differs between two resolved
// configs (nested JSON); "" when they are equal.
std::string first_config_difference(const Json& wanted, const Json& saved);

}  // namespace fl
