// torch tensors ↔ safetensors tensors (raw little-endian bytes, row-major), for checkpoints.
// Only the dtypes checkpoints use: float32 (weights, AdamW moments), int64 (steps, data order)
// and uint8 (generator states).
#pragma once
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/safetensors.h"

namespace fl {

// A copy of `t` (any shape, CPU, dtype float32, int64 or uint8) as a safetensors tensor.
safetensors::Tensor to_safetensor(const torch::Tensor& t);

// A CPU tensor owning a copy of tensor `name` of `file`, after checking that it exists and has
// `dtype` and `shape`; every mismatch is an fl::Error "<source>: tensor '<name>' …".
torch::Tensor from_safetensor(const safetensors::File& file, const std::string& name, const std::string& source,
                              safetensors::DType dtype, const std::vector<int64_t>& shape);

}  // namespace fl
