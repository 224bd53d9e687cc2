// Greedy decoding through the step path: the torch-free StepEngine (infer/step_engine.h, built
// per call from a snapshot of the weights) when fl::kernels::fused(), the model's libtorch step
// otherwise; both give the same tokens. Each request is a prompt and a continuation layout:
// at continuation position t, `given[t] ≥ 0` is a token the environment supplies (an input of
// an interleaved task, a query) and `kModelToken` is the model's own argmax, fed back. A
// sequence ends after its layout, or at the first end token the model itself produces.
// Free generation is the layout of max_new model positions.
#pragma once
#include <vector>

#include "models/lm.h"

namespace fl {

constexpr int32_t kModelToken = -1;

struct DecodeRequest {
  std::vector<int32_t> prompt;
  std::vector<int32_t> given;  // continuation layout; kModelToken where the model writes
};

// All prompts must have the same length (callers group them). Returns, per request, the
// continuation as produced (the environment's tokens included; EOS included when produced).
std::vector<std::vector<int32_t>> decode_greedy(LanguageModel& model, const std::vector<DecodeRequest>& requests,
                                                int32_t eos_id);

// Free generation of up to max_new tokens after a prompt.
std::vector<int32_t> generate_greedy(LanguageModel& model, const std::vector<int32_t>& prompt, int64_t max_new,
                                     int32_t eos_id);

}  // namespace fl
