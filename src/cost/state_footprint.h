// A model's inference state in three numbers, for `info` and `compare`: the bytes at position
// t = 1 and t = 1024 (float32, all layers) and the growth per extra token (0 for a constant state,
// the KV bytes of one token for full attention, 0 past the window for a windowed Transformer).
#pragma once
#include <cstdint>

#include "models/lm.h"

namespace fl::cost {

struct StateFootprint {
  int64_t bytes_at_1, bytes_at_1024, growth_per_token;
};

inline StateFootprint state_footprint(const LanguageModel& model) {
  return {model->state_bytes(1), model->state_bytes(1024), model->state_bytes(1025) - model->state_bytes(1024)};
}

}  // namespace fl::cost
