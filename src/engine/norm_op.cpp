#include "engine/norm_op.h"

#include <algorithm>

#include "kernels/layer_norm.h"
#include "kernels/rms_norm.h"

namespace fl::engine {

template <typename T>
NormOp<T>::NormOp(FlatParameters<T>& params, const std::string& prefix, const ModelConfig& c)
    : layer_norm_(c.norm == "layernorm"), D_(c.d_model), eps_(static_cast<T>(c.norm_eps)) {
  weight_ = params.value(prefix + ".weight"), dweight_ = params.grad(prefix + ".weight");
  if (layer_norm_) bias_ = params.value(prefix + ".bias"), dbias_ = params.grad(prefix + ".bias");
}

template <typename T>
void NormOp<T>::plan(Arena<T>& arena, int64_t rows) {
  rstd_ = arena.take(rows);
  mean_ = layer_norm_ ? arena.take(rows) : nullptr;
}

template <typename T>
int64_t NormOp<T>::scratch(int64_t rows, int64_t D) {
  return std::max(kernels::rms_norm_backward_parts(rows, D), kernels::layer_norm_backward_parts(rows, D));
}

template <typename T>
void NormOp<T>::forward(const T* x, int64_t rows, T* y) {
  if (layer_norm_)
    kernels::layer_norm_forward(x, weight_, bias_, eps_, rows, D_, y, mean_, rstd_);
  else
    kernels::rms_norm_forward(x, weight_, eps_, rows, D_, y, rstd_);
}

template <typename T>
void NormOp<T>::backward(const T* x, const T* dy, int64_t rows, T* dx, bool accumulate, T* scratch) {
  if (layer_norm_)
    kernels::layer_norm_backward(x, weight_, mean_, rstd_, dy, rows, D_, dx, accumulate, scratch, dweight_, dbias_);
  else
    kernels::rms_norm_backward(x, weight_, rstd_, dy, rows, D_, dx, accumulate, scratch, dweight_);
}

template class NormOp<float>;
template class NormOp<double>;

}  // namespace fl::engine
