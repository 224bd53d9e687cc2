// Examples → padded tensors for next-token prediction.
#pragma once
#include <vector>

#include <torch/torch.h>

#include "tasks/task.h"

namespace fl {

struct Batch {
  torch::Tensor inputs;   // (B, T-1) int64: tokens[0 .. T-2], right-padded
  torch::Tensor targets;  // (B, T-1) int64: tokens[1 .. T-1]
  torch::Tensor mask;     // (B, T-1) bool: the target is a loss position of its example
  torch::Tensor answer;   // (B, T-1) bool: the target belongs to the final answer
  int64_t tokens = 0;     // real (unpadded) input tokens in the batch
};

Batch make_batch(const std::vector<Example>& examples, int32_t pad_id);

// Mean cross-entropy over the masked targets. logits (B, T, V).
torch::Tensor masked_cross_entropy(const torch::Tensor& logits, const Batch& batch);

}  // namespace fl
