// Greedy generation through the step path: the prompt is fed token by token into a fresh
// cache, then the argmax token is appended until EOS or max_new tokens.
#pragma once
#include <vector>

#include "models/lm.h"

namespace fl {

// All prompts must have the same length (callers group them). Returns, per prompt, the
// generated tokens (EOS included when produced).
std::vector<std::vector<int32_t>> generate_greedy(LanguageModel& model,
                                                  const std::vector<std::vector<int32_t>>& prompts,
                                                  int64_t max_new, int32_t eos_id);

}  // namespace fl
