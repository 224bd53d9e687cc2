// Training of one run: task data → model → AdamW (decay groups), warm-up + cosine schedule,
// gradient clipping → metrics.jsonl, evaluation, checkpoint. One seed decides data,
// initialisation and order: same seed + same thread count → identical loss curve.
#pragma once
#include <filesystem>

#include "eval/evaluator.h"
#include "train/run_config.h"

namespace fl {

struct TrainSummary {
  double final_loss = 0;       // mean loss over the last log interval
  double tokens_per_second = 0;  // training tokens (inputs, padding excluded) per wall second
  double train_seconds = 0;
  int64_t parameters = 0;
  EvalReport eval;
};

// Trains into `out_dir` (created; must be new or empty), writing metrics.jsonl as it goes,
// then summary.json and the checkpoint (config.json + model.safetensors) at the end.
TrainSummary train_run(const RunConfig& config, const std::filesystem::path& out_dir, bool show_progress);

}  // namespace fl
