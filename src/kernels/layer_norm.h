// LayerNorm over the last dim on raw row-major buffers, forward and backward, for the flat
// training engine (src/engine/); the libtorch path runs torch::layer_norm, its reference:
//   μ_r = mean_d x[r, d],  σ²_r = mean_d (x[r, d] − μ_r)²  (biased),  rstd_r = 1 / √(σ²_r + eps)
//   x̂ = (x − μ) · rstd,   y = x̂ ⊙ weight + bias
// Backward, per row with g = weight ⊙ dy:
//   dx = rstd · (g − mean_d g − x̂ · mean_d(x̂ ⊙ g));   dweight = Σ_r dy ⊙ x̂;   dbias = Σ_r dy
// Shapes: x, y, dy, dx (R, D) contiguous rows; weight, bias (D); mean, rstd (R). float/double.
// Parallel over blocks of 32 rows; dweight and dbias are reduced through per-block partials
// summed in block order: bit-identical run to run and whatever the thread count.
#pragma once
#include <cstdint>

namespace fl::kernels {

template <typename T>
void layer_norm_forward(const T* x, const T* weight, const T* bias, T eps, int64_t R, int64_t D, T* y, T* mean,
                        T* rstd);

// dx written, or added to when accumulate; dweight, dbias written; parts: scratch of
// layer_norm_backward_parts(R, D) elements.
template <typename T>
void layer_norm_backward(const T* x, const T* weight, const T* mean, const T* rstd, const T* dy, int64_t R, int64_t D,
                         T* dx, bool accumulate, T* parts, T* dweight, T* dbias);
int64_t layer_norm_backward_parts(int64_t R, int64_t D);

}  // namespace fl::kernels
