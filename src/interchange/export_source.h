// What an export is made from: a freelunch model's configuration, weights and vocabulary, as a
// loaded checkpoint holds them. Torch-free.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/safetensors.h"
#include "models/model_config.h"

namespace fl::interchange {

struct ExportSource {
  ModelConfig model;
  safetensors::File weights;             // freelunch's names (docs/CHECKPOINTS.md), float32
  std::vector<std::string> token_names;  // the task's vocabulary, id = index (≤ model.vocab_size names)
  int32_t pad_id = 0, eos_id = 0;
  Json run_config;                       // the resolved run configuration (a run's config.json)
  std::vector<std::string> recorded_vocab;  // what a file-reading task recorded (vocab.json), else empty
};

// One file of an export: its name in the output directory and its bytes.
struct ExportFile {
  std::string name;
  std::string bytes;
};

// The float32 tensor `name` of the source's weights; fl::Error naming it if missing or not F32.
const safetensors::Tensor& source_tensor(const ExportSource& source, const std::string& name);

}  // namespace fl::interchange
