// `freelunch attention`: Mamba's hidden attention (theory/hidden_attention.h) on one token
// sequence, per layer, in float64: the relative error of the scan output rebuilt from the scores
// S_ij, and the decay profile mean α_{i,i−L}; heatmaps of mean_d |S_ij[d]| and of one channel's
// |S_ij[d]| beside the softmax attention of a Transformer checkpoint (compare) on the same tokens,
// per head. Files in out, each figure as CSV + gnuplot script + PNG + SVG:
//   mamba_layer{k}_mean, mamba_layer{k}_channel{d}, transformer_layer{k}_head{h}, decay_profile,
//   and attention.txt (the report).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace fl::theory {

struct AttentionOptions {
  std::filesystem::path checkpoint;  // a Mamba run directory (--checkpoint)
  std::filesystem::path compare;     // a Transformer run directory (--compare); empty: none
  std::filesystem::path out;         // empty: <checkpoint>/attention
  std::optional<int64_t> layer;      // analyse only this layer (--layer)
  std::optional<int64_t> channel;    // the channel shown alone (--channel); default: the largest mean |S|
  // The tokens to analyse, given the Mamba checkpoint's task (its vocabulary parses --input).
  std::function<std::vector<int32_t>(const Task&)> tokens;
};

// Loads both checkpoints, checks the options against them (errors name the flags), writes the
// figures and attention.txt, and returns the report's text.
std::string write_attention_report(const AttentionOptions& options);

}  // namespace fl::theory
