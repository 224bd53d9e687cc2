// What Feng et al.'s three DP tasks (lis, edit_distance, arithmetic) share: after the prompt
// every token is a target, the final answer is the one token before <eos>, and the verifier
// reads it between the last separator and the model's first <eos>.
#pragma once
#include "tasks/task.h"

namespace fl::feng {

// Appends <eos> to `ex.tokens` (which ends with the answer) and sets both masks.
void finish_example(Example& ex, int32_t eos);

// answer: the single token between the last separator (the prompt's, if none was generated) and
// the model's first <eos> is the expected answer; whole: the continuation is exactly expected.
Verdict verify(const Task& task, const Example& example, const std::vector<int32_t>& generated, int32_t separator,
               int32_t eos);

// "8" or "4..8": the size range for describe().
std::string size_range(int64_t min_n, int64_t n);

}  // namespace fl::feng
