// Greedy decoding through the step path: the torch-free StepEngine (infer/step_engine.h, built
// per call from a snapshot of the weights) when fl::kernels::fused(), the model's libtorch step
// otherwise; both give the same tokens. Each request is a prompt and a continuation layout:
// at continuation position t, `given[t] ≥ 0` is a token the environment supplies (an input of
// an interleaved task, a query) and `kModelToken` is the model's own argmax, fed back. A
// sequence ends after its layout, or at the first end token the model itself produces.
// Free generation (generate_greedy) has its own options: a minimum length, ignoring the end token.
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

// Free generation (`freelunch generate`): up to max_new tokens after the prompt. The end token
// ends it (and is included) unless ignore_eos; it is never chosen among the first min_new tokens
// (the next best token is). A model with learned positions (model.max_len) stops at its last
// position: then `reached_max_len` and fewer than max_new tokens.
struct FreeGeneration {
  int64_t max_new = 64;
  int64_t min_new = 0;
  bool ignore_eos = false;
};

struct Generated {
  std::vector<int32_t> tokens;
  bool reached_max_len = false;
};

// The most tokens a model can generate after a prompt of `prompt_length` tokens: with learned
// positions, max_len − prompt_length + 1 (the last token is produced, never fed), at least 0;
// otherwise unlimited (INT64_MAX).
int64_t generation_room(const ModelConfig& config, int64_t prompt_length);

Generated generate_greedy(LanguageModel& model, const std::vector<int32_t>& prompt, const FreeGeneration& options,
                          int32_t eos_id);

}  // namespace fl
