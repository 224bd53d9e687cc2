// The check every constant-state family's tests share: the model's state is `bytes` at any
// length (t = 1 and t = 2^20), and the step path's live cache holds exactly that after 9 tokens.
#pragma once
#include <cstdint>

#include "models/lm.h"

namespace fl::test_support {

void expect_constant_state(LanguageModel& model, int64_t bytes);

}  // namespace fl::test_support
