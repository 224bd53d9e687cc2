// One optimizer step's gradients over the processes of a data-parallel run (docs/SWEEPS.md,
// "Data-parallel training"). Every process draws the whole global batch of train.batch_size rows
// from the same data stream (same seed, same position), takes its own rows and runs
// forward_backward on them; then the gradients are combined so that every process holds the
// gradient of the global batch's mean loss, as one process training on the whole batch would:
//   rank r of W takes rows [⌊r·B/W⌋, ⌊(r+1)·B/W⌋) of the B rows (B ≥ W; shards differ by ≤ 1 row)
//   g = Σ_r (n_r / N) · g_r,  loss = Σ_r (n_r / N) · loss_r
// where g_r, loss_r are rank r's mean-loss gradient and loss over its n_r loss positions and
// N = Σ_r n_r those of the global batch (each rank counts both in the global batch it holds), so
// shards of different lengths, padding or packing weigh exactly as in one process.
// A step costs two all-reduces: the gradients (the flat engine's block as it is; libtorch's
// per-parameter gradients flattened into one buffer) and a vector of 1 + W numbers, the loss and
// the stop signal each rank received, so that every rank stops at the same step. The sums are
// bit-identical on every rank, so clipping, the schedule and AdamW keep the replicas identical;
// require_identical_parameters checks that at every checkpoint.
#pragma once
#include <chrono>
#include <cstdint>

#include "data/batch.h"
#include "models/lm.h"
#include "train/distributed_env.h"
#include "train/gloo_group.h"
#include "train/step_backend.h"

namespace fl {

struct RowRange {
  int64_t begin = 0, end = 0;
};

// The rows of a `rows`-row global batch that rank `rank` of `world_size` trains on.
RowRange shard_rows(int64_t rows, int rank, int world_size);

struct DataParallelStep {
  double loss = 0;  // the global batch's mean loss
  int signal = 0;   // 0, or the stop signal (SIGINT, SIGTERM) of the lowest rank that received one
};

class DataParallel {
 public:
  // Meets the other processes (GlooGroup).
  DataParallel(const DistributedEnv& env, std::chrono::milliseconds timeout);

  const DistributedEnv& env() const { return group_.env(); }
  bool leader() const { return env().leader(); }

  // fl::Error unless every rank gets at least one row of a train.batch_size-row batch.
  void check_batch_size(int64_t batch_size) const;

  // Trains `backend` on this rank's rows of `global` and leaves the global batch's gradient in it.
  // `signal`: the stop signal this process received (0: none). `step` names errors.
  DataParallelStep forward_backward(StepBackend& backend, const Batch& global, int signal, int64_t step);

  // fl::Error naming `step` unless every rank's parameters are bit-identical.
  void require_identical_parameters(LanguageModel& model, int64_t step);

 private:
  GlooGroup group_;
};

}  // namespace fl
