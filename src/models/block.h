// A residual block of the language model: the unit every mixer family implements.
// Two execution paths that must agree: forward over whole sequences, step over one token.
#pragma once
#include <memory>

#include <torch/torch.h>

#include "models/cache.h"

namespace fl {

class Block : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& h) = 0;  // (B, L, D) → (B, L, D), residual included
  // One token at `position` (0-based). h (B, D) → (B, D); updates the cache.
  virtual torch::Tensor step(const torch::Tensor& h, LayerCache& cache, int64_t position) = 0;
  virtual std::unique_ptr<LayerCache> make_cache(int64_t batch, torch::Dtype dtype) const = 0;
  // Bytes of inference state this block keeps at position t (after t tokens).
  virtual int64_t state_bytes(int64_t t, int64_t bytes_per_value) const = 0;
  // Re-draws every parameter with the family's initialisation (from libtorch's seeded generator).
  virtual void reset_parameters() = 0;
};

}  // namespace fl
