// The model's parameters as one contiguous block (llm.c style), with a gradient block of the same
// layout, for the flat training engine.
//
// Adoption: the block is a libtorch tensor; every parameter of the LanguageModel is copied into
// its slot and then re-pointed (set_data) at that slot, so the model and the engine share the
// weights. Everything downstream that reads the model — evaluation, checkpoints under the
// names of docs/CHECKPOINTS.md, the step engine — sees the engine's current weights without a
// copy, and the block stays alive as long as any parameter does.
// Slots follow named_parameters() order; each starts on a 64-byte boundary (16 floats).
// The tied head is the embedding itself (one slot, as in named_parameters()).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/lm.h"

namespace fl::engine {

struct ParameterSlot {
  std::string name;            // e.g. "backbone.layers.0.mixer.in_proj.weight"
  std::vector<int64_t> shape;  // as the model's tensor
  int64_t offset = 0, numel = 0;
  bool decay = false;          // in AdamW's weight-decay group (LanguageModelImpl::decays)
};

template <typename T>
class FlatParameters {
 public:
  // Adopts the parameters of `model` (dtype T, CPU).
  explicit FlatParameters(LanguageModel& model);

  const std::vector<ParameterSlot>& slots() const { return slots_; }
  const ParameterSlot& slot(const std::string& name) const;
  T* value(const std::string& name) { return values_ + slot(name).offset; }
  T* grad(const std::string& name) { return grads_ + slot(name).offset; }
  bool has(const std::string& name) const { return index_.count(name) != 0; }

  T* values() { return values_; }
  T* grads() { return grads_; }
  torch::Tensor grad_block() { return grad_block_; }  // (size) the gradient block as one tensor (shares grads())
  int64_t size() const { return size_; }  // elements of each block, padding included

 private:
  std::vector<ParameterSlot> slots_;
  std::map<std::string, size_t> index_;
  torch::Tensor value_block_, grad_block_;  // (size) each, padding zero
  T* values_ = nullptr;
  T* grads_ = nullptr;
  int64_t size_ = 0;
};

}  // namespace fl::engine
