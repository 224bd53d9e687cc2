#include "support/constant_state.h"

#include <gtest/gtest.h>

namespace fl::test_support {

void expect_constant_state(LanguageModel& model, int64_t bytes) {
  EXPECT_EQ(model->state_bytes(1), bytes);
  EXPECT_EQ(model->state_bytes(1 << 20), bytes);
  torch::NoGradGuard no_grad;
  auto cache = model->make_cache(1);
  for (int t = 0; t < 9; ++t) model->step(torch::zeros({1}, torch::kInt64), cache);
  EXPECT_EQ(cache.bytes(), bytes);
}

}  // namespace fl::test_support
