// Mamba's causal depthwise conv1d with its bias and the SiLU after it (REFERENCE §1), one op:
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
// K rounded up to a multiple of 4.
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

}  // namespace fl::kernels
