// RMSNorm over the last dim (docs/SOURCES.md §1: the pre-norm of every block and the final norm):
//   rstd_r = 1 / √(mean_d x[r, d]² + eps),   x̂ = x · rstd,   y = x̂ ⊙ weight
// Backward, per row r with g = weight ⊙ dy:
//   dx_r      = rstd_r · (g_r − x̂_r · mean_d(x̂_r ⊙ g_r))
//   dweight   = Σ_r dy_r ⊙ x̂_r
// Shapes: x (..., D), read as rows (R, D) with R = numel / D; weight (D); y like x; eps ≥ 0.
// float32 or float64, CPU.
//
// Fused kernel: parallel over blocks of rows, one pass per row forward, two backward.
// Memory saved for the backward: x (made contiguous if it was not), weight, and rstd (R) — not
// x̂ or y. Determinism: dweight is reduced through per-row-block partials (the blocks are fixed
// by R, not by the threads) summed in increasing block order: bit-identical run to run and
// whatever the thread count.
#pragma once
#include <torch/types.h>

namespace fl::kernels {

// Dispatches on fl::kernels::fused() (kernel_mode.h): the models call this one.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

// Hand-written CPU kernel with a hand-written backward (a torch::autograd::Function).
torch::Tensor rms_norm_fused(const torch::Tensor& x, const torch::Tensor& weight, double eps);

// Plain libtorch (x · rsqrt(mean x² + eps) · weight), autograd by libtorch: the yardstick.
torch::Tensor rms_norm_reference(const torch::Tensor& x, const torch::Tensor& weight, double eps);

// The fused kernel on raw row-major buffers (the flat training engine, src/engine/; the autograd
// Function above calls the same code). T = float or double; rows of x, y, dy, dx contiguous.
//   forward:  y (R, D), rstd (R)
//   backward: dx (R, D) written, or added to when accumulate (a residual stream's gradient);
//             dweight (D) written; parts: scratch of rms_norm_backward_parts(R, D) elements.
template <typename T>
void rms_norm_forward(const T* x, const T* weight, T eps, int64_t R, int64_t D, T* y, T* rstd);
template <typename T>
void rms_norm_backward(const T* x, const T* weight, const T* rstd, const T* dy, int64_t R, int64_t D, T* dx,
                       bool accumulate, T* parts, T* dweight);
int64_t rms_norm_backward_parts(int64_t R, int64_t D);

}  // namespace fl::kernels
