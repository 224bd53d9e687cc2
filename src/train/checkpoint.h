// A checkpoint is a directory: config.json (the resolved RunConfig) and model.safetensors
// (float32 weights under the names of REFERENCE §1 / docs/CHECKPOINTS.md). Both files are
// written atomically; loading verifies names, shapes, dtypes and the tied head.
#pragma once
#include <filesystem>
#include <memory>

#include "models/lm.h"
#include "train/run_config.h"

namespace fl {

void save_checkpoint(const std::filesystem::path& dir, const LanguageModel& model, const RunConfig& config);

struct LoadedCheckpoint {
  RunConfig config;
  std::unique_ptr<Task> task;
  LanguageModel model{nullptr};
};
LoadedCheckpoint load_checkpoint(const std::filesystem::path& dir);

// Weights only, into an existing model of matching configuration.
void load_weights(const std::filesystem::path& file, LanguageModel& model);

}  // namespace fl
