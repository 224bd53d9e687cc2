// The model's pre-norm (RMSNorm or LayerNorm, models/norm.h) on raw buffers, for the flat
// engine: parameters "<prefix>.weight" (+ ".bias" for LayerNorm) from the flat block, the
// per-row statistics the backward needs from the activation arena.
#pragma once
#include <cstdint>
#include <string>

#include "engine/arena.h"
#include "engine/flat_parameters.h"
#include "models/model_config.h"

namespace fl::engine {

template <typename T>
class NormOp {
 public:
  NormOp() = default;
  NormOp(FlatParameters<T>& params, const std::string& prefix, const ModelConfig& c);

  void plan(Arena<T>& arena, int64_t rows);         // its statistics, (rows) each
  static int64_t scratch(int64_t rows, int64_t D);  // elements backward() needs
  // y (rows, D) = norm(x (rows, D)); rows ≤ the planned rows.
  void forward(const T* x, int64_t rows, T* y);
  // dx += ∂/∂x of Σ dy ⊙ y (or dx = … when !accumulate); the parameters' gradients written.
  void backward(const T* x, const T* dy, int64_t rows, T* dx, bool accumulate, T* scratch);

 private:
  bool layer_norm_ = false;
  int64_t D_ = 0;
  T eps_ = 0;
  const T *weight_ = nullptr, *bias_ = nullptr;
  T *dweight_ = nullptr, *dbias_ = nullptr;
  T *mean_ = nullptr, *rstd_ = nullptr;  // (rows); mean for LayerNorm only
};

}  // namespace fl::engine
