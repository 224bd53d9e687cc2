// Selective scan of Mamba-1 (REFERENCE §1), the recurrence at the heart of the mixer:
//   a_t = exp(delta_t ⊗ A)                     (Di, N)   zero-order hold on A
//   h_t = a_t ⊙ h_{t-1} + (delta_t u_t) ⊗ B_t  (Di, N)   Euler on B
//   y_t = h_t · C_t + D ⊙ u_t                  (Di)
// Shapes: u, delta (B, L, Di); A (Di, N); Bm, Cm (B, L, N); D (Di); y (B, L, Di).
// delta is already positive (softplus applied by the caller). float32 or float64.
#pragma once
#include <torch/types.h>

namespace fl::kernels {

// Fused CPU kernel with a hand-written backward (a torch::autograd::Function): sequential
// over time, parallel over (batch × channel).
torch::Tensor selective_scan(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                             const torch::Tensor& Bm, const torch::Tensor& Cm, const torch::Tensor& D);

// Plain-libtorch reference of the same function (autograd by libtorch); the yardstick the
// fused kernel is tested against.
torch::Tensor selective_scan_reference(const torch::Tensor& u, const torch::Tensor& delta,
                                       const torch::Tensor& A, const torch::Tensor& Bm,
                                       const torch::Tensor& Cm, const torch::Tensor& D);

}  // namespace fl::kernels
