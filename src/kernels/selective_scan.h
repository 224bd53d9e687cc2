// Selective scan of Mamba-1 (docs/SOURCES.md §1), the recurrence at the heart of the mixer: the function
// of state-spaces/mamba `selective_scan_fn(u, delta, A, B, C, D, z, delta_bias, delta_softplus)`
// (`selective_scan_ref`):
//   δ_t   = softplus(delta_t + delta_bias)      (Di)      the bias is optional; softplus only when
//                                                         delta_softplus, else δ_t = delta_t + bias
//   a_t   = exp(δ_t ⊗ A)                         (Di, N)   zero-order hold on A
//   h_t   = a_t ⊙ h_{t-1} + (δ_t u_t) ⊗ B_t      (Di, N)   Euler on B; h before the first step = 0
//   y_t   = h_t · C_t + D ⊙ u_t                  (Di)
//   out_t = y_t ⊙ SiLU(z_t)                      (Di)      when z is given, else out_t = y_t
// softplus(x) = x if x > 20 else log1p(exp(x)) (torch's threshold); SiLU(z) = z sigmoid(z).
//
// Backward (dout the output gradient, dy = dout ⊙ SiLU(z), g_t = ∂loss/∂h_t):
//   g_t      = dy_t ⊗ C_t + a_{t+1} ⊙ g_{t+1}      (g after the last step = 0)
//   dC_t     = Σ_d dy_t[d] h_t[d];   dB_t = Σ_d g_t[d] δ_t[d] u_t[d]
//   dA       = Σ_{b,t} g_t δ_t ⊙ a_t ⊙ h_{t-1};   dD = Σ_{b,t} dy_t u_t
//   du_t     = δ_t (g_t · B_t) + dy_t D;   dz_t = dout_t ⊙ y_t ⊙ SiLU'(z_t)
//   dδ_t     = g_t · (u_t B_t + A ⊙ a_t ⊙ h_{t-1})
//   ddelta_t = dδ_t ⊙ softplus'(delta_t + bias)    (sigmoid; 1 beyond 20)
//   d(delta_bias) = Σ_{b,t} ddelta_t
//
// Shapes: u, delta, z, out (B, L, Di); A (Di, N); Bm, Cm (B, L, N); D, delta_bias (Di). z and
// delta_bias may be undefined tensors (absent). float32 or float64, CPU.
// Strided inputs: u, delta, z, Bm and Cm are read in place through their batch and time strides
// when their last dim is contiguous (e.g. Bm, Cm = narrow() views of x_proj's (B, L, R + 2N)
// output, z = the second half of in_proj's (B, L, 2Di) output); otherwise they are copied. All
// gradients are fresh contiguous tensors of the input shapes.
//
// Memory kept for the fused backward: the inputs themselves (referenced, not copied) and the
// state at the start of every 64-step chunk, (B, ceil(L / 64), N, Di): Di·N·sizeof(T) / 64 bytes
// per token (256 B for Di = 256, N = 16, float32). δ, y and the states inside a chunk are
// recomputed in the backward, whose transient buffers are the gradients themselves plus the
// per-strip dB/dC partials, 2 ceil(Di / 32)·N·sizeof(T) bytes per token. The reference keeps
// libtorch's autograd graph: several (B, L, Di, N) tensors.
#pragma once
#include <torch/types.h>

#include "kernels/selective_scan_strip.h"

namespace fl::kernels {

// Dispatches on fl::kernels::fused() (kernel_mode.h) to one of the two below. Models call this.
torch::Tensor selective_scan(const torch::Tensor& u, const torch::Tensor& delta,
                             const torch::Tensor& A, const torch::Tensor& Bm,
                             const torch::Tensor& Cm, const torch::Tensor& D,
                             const torch::Tensor& z = {}, const torch::Tensor& delta_bias = {},
                             bool delta_softplus = false);

// Fused CPU kernel with a hand-written backward (a torch::autograd::Function): sequential over
// time, parallel over (batch × strip of 32 channels), SIMD across channels. Bit-identical run to
// run and across thread counts.
torch::Tensor selective_scan_fused(const torch::Tensor& u, const torch::Tensor& delta,
                                   const torch::Tensor& A, const torch::Tensor& Bm,
                                   const torch::Tensor& Cm, const torch::Tensor& D,
                                   const torch::Tensor& z = {},
                                   const torch::Tensor& delta_bias = {},
                                   bool delta_softplus = false);

// Plain-libtorch reference of the same function (autograd by libtorch); the yardstick the fused
// kernel is tested against.
torch::Tensor selective_scan_reference(const torch::Tensor& u, const torch::Tensor& delta,
                                       const torch::Tensor& A, const torch::Tensor& Bm,
                                       const torch::Tensor& Cm, const torch::Tensor& D,
                                       const torch::Tensor& z = {},
                                       const torch::Tensor& delta_bias = {},
                                       bool delta_softplus = false);

// The fused kernel on raw buffers (the flat training engine, src/engine/; the autograd Function
// above calls the same code). T = float or double. Inputs as scan_detail::ScanInputs (rows read
// through their strides); out (B, L, Di) contiguous; chunk_states of selective_scan_chunk_states
// elements, written by the forward and read by the backward.
template <typename T>
struct ScanGradients {
  scan_detail::MutableRows<T> du, ddelta, dz;  // (B, L, Di), written; dz null without gate
  scan_detail::MutableRows<T> dB, dC;          // (B, L, N), written
  T* dA;                                       // (Di, N) written
  T* dD;                                       // (Di) written
  T* dbias;                                    // (Di) written; null without delta_bias
};
int64_t selective_scan_chunk_states(int64_t B, int64_t L, int64_t Di, int64_t N);
int64_t selective_scan_backward_workspace(int64_t B, int64_t L, int64_t Di, int64_t N);
template <typename T>
void selective_scan_forward(const scan_detail::ScanInputs<T>& in, T* out, T* chunk_states);
// dout (B, L, Di) rows; workspace of selective_scan_backward_workspace elements.
template <typename T>
void selective_scan_backward(const scan_detail::ScanInputs<T>& in, const T* chunk_states,
                             const scan_detail::Rows<T>& dout, const ScanGradients<T>& grads, T* workspace);

}  // namespace fl::kernels
