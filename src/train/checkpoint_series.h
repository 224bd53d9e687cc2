// The training checkpoints of a run directory, in <run>/checkpoints/:
//   step-00000200/   one training checkpoint each (train/train_state.h), named by its step
//   latest           the name of the newest complete one
// A checkpoint is written in full (every file atomic, its manifest last) before `latest` is
// atomically replaced to name it, so `latest` always names a complete checkpoint, whatever
// moment the process dies at. Then every other step directory except the previous latest is
// removed: the newest two are kept, the older as a fallback should the newest ever be damaged.
#pragma once
#include <filesystem>
#include <optional>

#include "train/train_state.h"

namespace fl {

class CheckpointSeries {
 public:
  explicit CheckpointSeries(const std::filesystem::path& run_dir) : dir_(run_dir / "checkpoints") {}

  // Writes the checkpoint of progress.step, makes it the latest, prunes; returns its directory.
  std::filesystem::path save(const LanguageModel& model, const AdamWStates& optimizer, const RunConfig& config,
                             const TrainingProgress& progress);
  // The directory `latest` names; nullopt when there is none yet. fl::Error if `latest` is
  // malformed or names a directory that is not there.
  std::optional<std::filesystem::path> latest() const;
  // The newest step directory with a manifest other than `excluded`, if any (a fallback).
  std::optional<std::filesystem::path> newest_other_than(const std::filesystem::path& excluded) const;
  void remove();  // deletes the whole series (once the run's final checkpoint is written)
  static int64_t step_of(const std::filesystem::path& checkpoint);  // 200 for …/step-00000200
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace fl
