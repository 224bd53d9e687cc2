// A model directory written by another tool, read as a freelunch checkpoint (docs/EXPORT.md):
//   Hugging Face transformers  config.json with "model_type" (MambaConfig) + model.safetensors
//   state-spaces/mamba         config.json with d_model, n_layer, ssm_cfg, … + model.safetensors
// plus freelunch.json (sidecar.h) for the task. Weights must be safetensors, float32; the
// Python-pickle files both tools also write (pytorch_model.bin) are refused with a one-line
// error saying how to convert them. Torch-free: train/checkpoint builds the model from this.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/safetensors.h"

namespace fl::interchange {

enum class CheckpointLayout { freelunch, hf, mamba_ssm };

// What `dir` holds. freelunch for a directory with a manifest (checkpoint.json) and whenever
// config.json is not a JSON object naming another tool's keys: freelunch's own loader then
// reports what is wrong with it as before.
CheckpointLayout checkpoint_layout(const std::filesystem::path& dir);

struct ForeignCheckpoint {
  RawConfig config;                          // freelunch.json's run configuration + config.json's model keys
  std::vector<std::string> recorded_vocab;   // freelunch.json's "vocab"
  safetensors::File weights;                 // freelunch's names, the tied head included; empty without weights
  std::string weights_source;                // the weights file, for messages
};

// Reads a directory of layout hf or mamba_ssm; the weights only when `with_weights`. One
// fl::Error naming the file and the problem for anything missing, damaged, contradictory or
// beyond what freelunch's models compute.
ForeignCheckpoint read_foreign_checkpoint(const std::filesystem::path& dir, CheckpointLayout layout,
                                          bool with_weights);

}  // namespace fl::interchange
