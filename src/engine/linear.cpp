#include "engine/linear.h"

#include <algorithm>

#include "kernels/gemm.h"
#include "kernels/parallel.h"

namespace fl::engine {

using kernels::Trans;

template <typename T>
Linear<T>::Linear(FlatParameters<T>& params, const std::string& prefix, bool with_bias) {
  const auto& w = params.slot(prefix + ".weight");
  out_ = w.shape.at(0), in_ = w.numel / out_;
  weight_ = params.value(w.name), dweight_ = params.grad(w.name);
  if (with_bias) bias_ = params.value(prefix + ".bias"), dbias_ = params.grad(prefix + ".bias");
}

template <typename T>
void Linear<T>::forward(int64_t M, const T* X, int64_t ldx, T* Y, int64_t ldy, const T* residual) {
  // Y starts as R + b, R or b (one pass); the product is then added to it.
  bool accumulate = residual != nullptr || bias_ != nullptr;
  if (accumulate && (bias_ || residual != Y)) {
    at::parallel_for(0, M, kernels::grain(out_), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        T* y = Y + r * ldy;
        const T* res = residual ? residual + r * ldy : nullptr;
        if (res && bias_) {
#pragma omp simd
          for (int64_t c = 0; c < out_; ++c) y[c] = res[c] + bias_[c];
        } else if (res) {
          std::copy(res, res + out_, y);
        } else {
#pragma omp simd
          for (int64_t c = 0; c < out_; ++c) y[c] = bias_[c];
        }
      }
    });
  }
  if (kernels::gemm_prefers_blocked(Trans::kNo, Trans::kTrans, M, out_, in_)) {
    packed_.resize(in_ * out_);
    kernels::pack_transposed(weight_, out_, in_, packed_.data());
    kernels::gemm_blocked(Trans::kNo, M, out_, in_, X, ldx, packed_.data(), out_, Y, ldy, accumulate);
  } else {
    kernels::gemm(Trans::kNo, Trans::kTrans, M, out_, in_, X, ldx, weight_, in_, Y, ldy, accumulate);
  }
}

template <typename T>
void Linear<T>::backward(int64_t M, const T* X, int64_t ldx, const T* dY, int64_t ldy, T* dX, int64_t lddx,
                         bool accumulate_dx) {
  kernels::gemm(Trans::kTrans, Trans::kNo, out_, in_, M, dY, ldy, X, ldx, dweight_, in_, false);  // (out, in)
  if (dbias_) column_sums(M, out_, dY, ldy, dbias_);
  if (dX) kernels::gemm(Trans::kNo, Trans::kNo, M, in_, out_, dY, ldy, weight_, in_, dX, lddx, accumulate_dx);
}

template <typename T>
void column_sums(int64_t M, int64_t N, const T* Y, int64_t ldy, T* out) {
  constexpr int64_t kColumns = 64;
  at::parallel_for(0, (N + kColumns - 1) / kColumns, kernels::grain(kColumns * M), [&](int64_t begin, int64_t end) {
    for (int64_t block = begin; block < end; ++block) {
      const int64_t c0 = block * kColumns, c1 = std::min(N, c0 + kColumns);
      std::fill(out + c0, out + c1, T(0));
      for (int64_t r = 0; r < M; ++r) {
        const T* y = Y + r * ldy;
#pragma omp simd
        for (int64_t c = c0; c < c1; ++c) out[c] += y[c];
      }
    }
  });
}

template class Linear<float>;
template class Linear<double>;
template void column_sums<float>(int64_t, int64_t, const float*, int64_t, float*);
template void column_sums<double>(int64_t, int64_t, const double*, int64_t, double*);

}  // namespace fl::engine
