#include "support/determinism.h"

#include <gtest/gtest.h>

namespace fl::test_support {

void expect_bit_identical_runs(const std::function<std::vector<torch::Tensor>()>& run,
                               const std::vector<std::string>& names) {
  const int threads = at::get_num_threads();
  const auto first = run();
  const auto second = run();
  at::set_num_threads(1);
  const auto single = run();
  at::set_num_threads(threads);
  ASSERT_EQ(first.size(), names.size());
  for (size_t k = 0; k < first.size(); ++k) {
    EXPECT_TRUE(torch::equal(first[k], second[k])) << names[k] << " differs between two runs";
    EXPECT_TRUE(torch::equal(first[k], single[k])) << names[k] << " differs with 1 thread";
  }
}

}  // namespace fl::test_support
