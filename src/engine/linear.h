// A Linear layer y = x Wᵀ + b on raw buffers, forward and backward, for the flat engine's
// layers. W (out, in) and b (out) are slots of the flat parameter block, dW and db slots of
// the gradient block. Matrix products go through kernels::gemm's per-shape choice; when the
// forward prefers our blocked kernel, Wᵀ is packed into the layer's own buffer first (once per
// forward, i.e. once per optimizer step).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/flat_parameters.h"

namespace fl::engine {

template <typename T>
class Linear {
 public:
  Linear() = default;
  // The parameters "<prefix>.weight" and, when with_bias, "<prefix>.bias".
  Linear(FlatParameters<T>& params, const std::string& prefix, bool with_bias);

  int64_t in() const { return in_; }
  int64_t out() const { return out_; }

  // Y (M, out), rows ldy apart = X (M, in), rows ldx apart · Wᵀ + b, plus R (M, out) rows ldy
  // apart when `residual` is given (a residual stream: Y = R + …; Y may be R itself).
  void forward(int64_t M, const T* X, int64_t ldx, T* Y, int64_t ldy, const T* residual = nullptr);
  // dW = dYᵀ X and db = Σ_rows dY (written); dX (M, in) = dY W, written or added to when
  // accumulate_dx (dX null: not wanted).
  void backward(int64_t M, const T* X, int64_t ldx, const T* dY, int64_t ldy, T* dX, int64_t lddx,
                bool accumulate_dx);

 private:
  int64_t in_ = 0, out_ = 0;
  const T* weight_ = nullptr;  // (out, in)
  const T* bias_ = nullptr;    // (out) or null
  T* dweight_ = nullptr;       // (out, in)
  T* dbias_ = nullptr;         // (out) or null
  std::vector<T> packed_;      // (in, out) Wᵀ, when the blocked kernel runs the forward
};

// out[c] = Σ_r Y[r, c] for Y (M, N) with rows ldy apart, summed in row order (parallel over
// blocks of columns): the bias gradient.
template <typename T>
void column_sums(int64_t M, int64_t N, const T* Y, int64_t ldy, T* out);

}  // namespace fl::engine
