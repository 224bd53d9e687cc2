// freelunch.json: what a Hugging Face directory cannot say about a freelunch model — the task it
// was trained on (its vocabulary follows from it) and the rest of the run configuration — so that
// eval, generate, cost, attention and info can load the directory. Written by `freelunch export
// --format hf`; for a directory from elsewhere the user writes it (docs/EXPORT.md):
//   {"format": 1, "config": {"task": {"name": "copy", "vocab": 4}}}
// "config" is a run configuration as `train --config` reads it (nested or dotted keys; the model
// keys come from config.json and may be left out); "vocab" (optional) is the vocabulary a
// file-reading task (the dataset task) recorded. Torch-free.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"

namespace fl::interchange {

inline constexpr const char* kSidecarName = "freelunch.json";

std::string sidecar_json(const Json& run_config, const std::vector<std::string>& recorded_vocab);

struct Sidecar {
  RawConfig config;                 // the "config" document, flattened
  std::vector<std::string> vocab;   // empty when absent
};
// dir/freelunch.json; fl::Error naming it when it is missing (saying how to write one), not JSON,
// of another format or malformed.
Sidecar read_sidecar(const std::filesystem::path& dir);

}  // namespace fl::interchange
