// Mamba's causal depthwise conv1d with its bias and the SiLU after it (docs/SOURCES.md §1), one op:
//   p[b, t, d] = bias[d] + Σ_{k<K} w[d, k] · x[b, t − (K−1) + k, d]     (x = 0 before t = 0)
//   y[b, t, d] = SiLU(p) = p · sigmoid(p)
// Backward, with g = dy ⊙ SiLU'(p), SiLU'(p) = s (1 + p (1 − s)), s = sigmoid(p):
//   dx[b, s, d] = Σ_{k<K, s+(K−1)−k < L} w[d, k] · g[b, s + (K−1) − k, d]
//   dw[d, k]    = Σ_{b, t} g[b, t, d] · x[b, t − (K−1) + k, d]
//   dbias[d]    = Σ_{b, t} g[b, t, d]
// Shapes: x (B, L, Di), its last dim contiguous, its rows may be strided (e.g. the first half
// of in_proj's (B, L, 2Di) output as a narrow() view: read in place, not copied); weight (Di, K)
// or conv1d's (Di, 1, K); bias (Di); y (B, L, Di) contiguous. Any K ≥ 1, any L ≥ 0 (L < K is
// fine). float32 or float64, CPU.
//
// Fused kernel: parallel over (batch, block of 256 channels), sequential in t, vectorised across
// channels. Taps are applied four per pass over a time row; the weight is zero-padded in front
// to a multiple of 4 taps (K = 4 needs no padding), and taps before t = 0 read a zero row.
// Memory saved for the backward: only the inputs (x as given — a view stays a view, so the
// in_proj output it points into stays alive; weight; bias). The pre-activation p is recomputed
// in the backward (K multiply-adds and one exp per element) rather than stored: no (B, L, Di)
// tensor is kept per layer. Transient in the backward: per-batch partials (B, Kp + 1, Di), Kp =
// K rounded up to a multiple of 4, and their totals.
// Determinism: dweight and dbias are reduced over (B, L) through the per-batch partials, each
// column owned by one work unit and accumulated in increasing t, then summed over b in
// increasing order: bit-identical run to run and whatever the thread count.
#pragma once
#include <torch/types.h>

namespace fl::kernels {

// Dispatches on fl::kernels::fused() (kernel_mode.h): the models call this one.
torch::Tensor causal_conv1d_silu(const torch::Tensor& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias);

// Hand-written CPU kernel with a hand-written backward (a torch::autograd::Function).
torch::Tensor causal_conv1d_silu_fused(const torch::Tensor& x, const torch::Tensor& weight,
                                       const torch::Tensor& bias);

// Plain libtorch (pad, K shifted multiply-adds, silu), autograd by libtorch: the yardstick.
torch::Tensor causal_conv1d_silu_reference(const torch::Tensor& x, const torch::Tensor& weight,
                                           const torch::Tensor& bias);

// The fused kernel on raw buffers (the flat training engine, src/engine/; the autograd Function
// above calls the same code). T = float or double.
template <typename T>
struct CausalConvArgs {
  const T* x;  // (B, L, Di): row (b, t) at x + b·x_batch_stride + t·x_time_stride, channels contiguous
  int64_t x_batch_stride, x_time_stride;
  const T* weight;  // (Di, K), conv1d's (Di, 1, K)
  const T* bias;    // (Di)
  int64_t B, L, Di, K;
};
// Elements of scratch the forward (backward = false) or the backward needs.
int64_t causal_conv1d_silu_workspace(int64_t B, int64_t Di, int64_t K, bool backward);
// y (B, L, Di) contiguous.
template <typename T>
void causal_conv1d_silu_forward(const CausalConvArgs<T>& args, T* y, T* workspace);
// dy (B, L, Di) contiguous → dx (B, L, Di) written at dx + b·dx_batch_stride + t·dx_time_stride
// (channels contiguous), dweight (Di, K) and dbias (Di) written.
template <typename T>
void causal_conv1d_silu_backward(const CausalConvArgs<T>& args, const T* dy, T* dx, int64_t dx_batch_stride,
                                 int64_t dx_time_stride, T* dweight, T* dbias, T* workspace);

}  // namespace fl::kernels
