// A checkpoint is a directory (docs/CHECKPOINTS.md):
//   model.safetensors        float32 weights under the names of docs/SOURCES.md §1
//   train_state.safetensors  training checkpoints only: AdamW state and libtorch's generator
//   progress.json            training checkpoints only: step, data position, metrics length, …
//   config.json              the resolved RunConfig
//   checkpoint.json          the manifest, written last: each file's size and FNV-1a 64 checksum
//                            (train/checksum.h) — all content lives in the files it checks
// Every file is written atomically (temporary file, fsync, rename) in that order, so the
// manifest is the commit point: a directory whose manifest verifies is complete. Loading
// verifies every file it reads against the manifest; directories written before manifests
// existed (no checkpoint.json) still load, checked only by the safetensors parser and the names,
// shapes, dtypes and tied head below. load_checkpoint and load_checkpoint_config also read a
// Hugging Face or state-spaces/mamba directory with a freelunch.json (interchange/
// foreign_checkpoint.h, docs/EXPORT.md) as a checkpoint without manifest.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/safetensors.h"
#include "models/lm.h"
#include "train/run_config.h"

namespace fl {

inline constexpr const char* kManifestName = "checkpoint.json";

struct CheckpointFile {
  std::string name;   // file name inside the directory
  std::string bytes;  // its whole content
};

// Writes `files` into `dir` (created if needed) in order, each atomically, then the manifest
// listing them.
void write_checkpoint_dir(const std::filesystem::path& dir, const std::vector<CheckpointFile>& files);
// The manifest of `dir`; null for a directory without one. fl::Error naming checkpoint.json if it
// is unreadable, not JSON or of a newer format.
Json read_manifest(const std::filesystem::path& dir);
// The content of dir/name. With a manifest, fl::Error naming the file unless it is listed and its
// size and checksum match ("damaged"); without one (null), just the content.
std::string read_checkpoint_file(const std::filesystem::path& dir, const std::string& name, const Json& manifest);

inline constexpr const char* kVocabName = "vocab.json";

// The files every checkpoint has: model.safetensors (float32, lm_head.weight included), and the
// configuration: vocab.json (only for tasks that read files: the task's token names, a JSON
// array, so the checkpoint loads without them) then config.json.
CheckpointFile weights_file(const LanguageModel& model);
std::vector<CheckpointFile> config_files(const RunConfig& config);
// A model-only checkpoint: model.safetensors, [vocab.json,] config.json, checkpoint.json.
void save_checkpoint(const std::filesystem::path& dir, const LanguageModel& model, const RunConfig& config);

struct LoadedCheckpoint {
  RunConfig config;
  std::unique_ptr<Task> task;
  LanguageModel model{nullptr};  // in eval mode
  Json manifest;                 // null for a directory without one
};
LoadedCheckpoint load_checkpoint(const std::filesystem::path& dir);
// Only its configuration (config.json verified, with the recorded vocabulary), not the weights.
RunConfig load_checkpoint_config(const std::filesystem::path& dir);

// Weights into an existing model of matching configuration: every tensor present with the
// model's name, dtype F32 and shape, nothing else, and the head equal to the embedding.
void load_weights(const safetensors::File& file, const std::string& source, LanguageModel& model);
void load_weights(const std::filesystem::path& file, LanguageModel& model);

}  // namespace fl
