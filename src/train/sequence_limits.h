// The sequence lengths a run will meet, checked against train.pack_len and learned positions
// before anything is created, so a config that cannot train fails at once instead of at its first
// step or its final evaluation (docs/CONFIG.md). A sequence of n tokens feeds the model n − 1
// positions (the last token is only predicted), so learned positions need model.max_len ≥ n − 1.
#pragma once
#include "data/eval_set.h"
#include "tasks/task.h"
#include "train/run_config.h"

namespace fl {

// fl::Error naming the key: train.pack_len below the task's longest training example; with
// model.pos = learned, model.max_len too small for the training sequences (whole examples, or
// packed rows of up to train.pack_len tokens) or for the longest example of the evaluation set.
void check_sequence_lengths(const RunConfig& config, const Task& task, const EvalSet& eval_set);

}  // namespace fl
