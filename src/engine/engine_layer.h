// One residual block of the flat engine: forward and backward of a whole block over raw
// buffers, its activations planned once per batch shape in the engine's arena.
//   h_out = h_in + Block(h_in)        h_in, h_out (M, D), M = B·L rows (b-major)
// backward() turns dh, the gradient of the block's output, into the gradient of its input (in
// place) and writes the gradients of the block's parameters into the flat gradient block.
#pragma once
#include <cstdint>

#include "engine/arena.h"

namespace fl::engine {

template <typename T>
class EngineLayer {
 public:
  virtual ~EngineLayer() = default;
  // What forward() keeps for backward(), for batches of B sequences of L positions.
  virtual void plan(Arena<T>& arena, int64_t B, int64_t L) = 0;
  // Buffers alive only during backward(); the engine lets every layer share one region.
  virtual void plan_scratch(Arena<T>& arena, int64_t B, int64_t L) = 0;
  virtual void forward(const T* h_in, T* h_out) = 0;
  virtual void backward(const T* h_in, T* dh) = 0;
};

}  // namespace fl::engine
