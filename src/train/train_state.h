// A training checkpoint: a checkpoint directory (train/checkpoint.h) that also holds everything a
// resumed run needs to continue bit-identically (same seed, same thread count):
//   train_state.safetensors
//     "adamw.<parameter>.step"        I64 scalar   AdamW's step count t of the parameter
//     "adamw.<parameter>.exp_avg"     F32 (shape)  first moment m
//     "adamw.<parameter>.exp_avg_sq"  F32 (shape)  second moment v
//     "generator.torch_cpu"           U8 (n)       libtorch's CPU generator
//   (parameters named as in named_parameters(); none before the first step)
//   progress.json — TrainingProgress: the step, the data source's position, the open logging
//     interval's sums, the length of metrics.jsonl at this step, the clocks.
#pragma once
#include <filesystem>
#include <map>
#include <string>

#include <torch/torch.h>

#include "core/config.h"
#include "models/lm.h"
#include "train/run_config.h"

namespace fl {

struct TrainingProgress {
  int64_t step = 0;             // optimizer steps done
  int64_t threads = 0;          // at::get_num_threads() of the run that wrote it
  std::string kernels;          // and its --kernels mode (kernels::mode_name)
  std::string engine;           // and the engine that trained it (engine::mode_name; "libtorch" if absent)
  uint64_t metrics_bytes = 0;   // length of metrics.jsonl after this step's lines
  double elapsed_s = 0;         // wall time since the run began, over all sessions
  double train_seconds = 0;     // wall time inside training steps
  int64_t tokens = 0;           // training tokens so far
  double interval_loss_sum = 0;  // the logging interval still open: Σ loss, steps, tokens, time
  int64_t interval_steps = 0, interval_tokens = 0;
  double interval_seconds = 0;
  Json data;                    // DataSource::position()

  Json to_json() const;
  static TrainingProgress from_json(const Json& j, const std::string& source);
};

// AdamW's state of one parameter, as checkpoints store it, whichever engine trained it.
struct AdamWMoments {
  int64_t step = 0;                   // t
  torch::Tensor exp_avg, exp_avg_sq;  // (shape of the parameter) float32
};
using AdamWStates = std::map<std::string, AdamWMoments>;  // by parameter name; empty before the first step

// Writes the training checkpoint `dir`: model, train_state, progress, config, manifest.
void save_training_checkpoint(const std::filesystem::path& dir, const LanguageModel& model,
                              const AdamWStates& optimizer, const RunConfig& config, const TrainingProgress& progress);

struct TrainingState {
  TrainingProgress progress;
  AdamWStates optimizer;
};

// Reads the training state of the checkpoint `dir` (its weights and config already loaded with
// load_checkpoint, whose verified manifest is `manifest`): AdamW's state for the parameters of
// `model` and the progress, and restores libtorch's generator. fl::Error naming the file for
// anything missing, damaged or not fitting the model.
TrainingState load_training_state(const std::filesystem::path& dir, const Json& manifest, const LanguageModel& model);

// torch::optim::AdamW's state ↔ AdamWStates (the libtorch engine; optimizer built over `model`
// by make_optimizer).
AdamWStates adamw_states(const LanguageModel& model, const torch::optim::AdamW& optimizer);
void set_adamw_states(const LanguageModel& model, const AdamWStates& states, torch::optim::AdamW& optimizer);

}  // namespace fl
