// Determinism check shared by the kernel tests: `run` computes some tensors (outputs, gradients);
// two runs must give the same bits, and so must a run on one thread.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace fl::test_support {

void expect_bit_identical_runs(const std::function<std::vector<torch::Tensor>()>& run,
                               const std::vector<std::string>& names);

}  // namespace fl::test_support
