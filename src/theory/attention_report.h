// `freelunch attention`: the hidden attention of a Mamba (per channel, theory/hidden_attention.h),
// Mamba-2 or linear-attention model (per head, theory/scan_attention.h) on one token sequence,
// per layer, in float64: the relative error of the scan output rebuilt from the scores S_ij, and
// the decay profile mean α_{i,i−L}; heatmaps of the mean |S_ij| and of one channel's (head's)
// |S_ij| beside the softmax attention of a Transformer checkpoint (compare) on the same tokens,
// per head. Files in out, each figure as CSV + gnuplot script + PNG + SVG:
//   {family}_layer{k}_mean, {family}_layer{k}_{channel|head}{d} (family = model.type: mamba,
//   mamba2, linear), transformer_layer{k}_head{h}, decay_profile, and attention.txt (the report).
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
  std::filesystem::path checkpoint;  // a Mamba, hybrid, Mamba-2 or linear-attention run directory (--checkpoint)
  std::filesystem::path compare;     // a Transformer run directory (--compare); empty: none
  std::filesystem::path out;         // empty: <checkpoint>/attention
  std::optional<int64_t> layer;      // analyse only this layer (--layer)
  std::optional<int64_t> channel;    // the channel (Mamba) or head shown alone (--channel); default: the largest mean |S|
  // The tokens to analyse, given the Mamba checkpoint's task (its vocabulary parses --input).
  std::function<std::vector<int32_t>(const Task&)> tokens;
};

// Loads both checkpoints, checks the options against them (errors name the flags), writes the
// figures and attention.txt, and returns the report's text.
std::string write_attention_report(const AttentionOptions& options);

}  // namespace fl::theory
