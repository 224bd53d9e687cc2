// Gated linear scan: causal linear attention with a decaying state (docs/SOURCES.md §9), the
// recurrence of Mamba-2 (SSD: one scalar decay per head and step), of linear attention with a
// fixed per-head decay or none, and of GLA (one decay per key channel). Per batch row b and head
// h, the state S_t is a K × V matrix, S_{-1} = 0, and α_t = exp(g_t) with g = log_decay:
//   S_t = diag(α_t) S_{t-1} + k_t v_tᵀ                    (K, V)
//   y_t = S_tᵀ q_t,   y_t[j] = Σ_i q_t[i] S_t[i, j]        (V)
// Unrolled, y_t = Σ_{s≤t} ((Π_{r=s+1..t} α_r) ⊙ q_t · k_s) v_s: attention whose weights fade
// with distance. log_decay is absent (α = 1: plain linear attention), one value per head and
// step (broadcast over the K channels), or one value per key channel.
//
// Backward, with dy the output gradient and dS_t = ∂loss/∂S_t through the later readouts:
//   dq_t = S_t dy_t                                       (K)     the forward is re-run for S_t
//   dS_t = diag(α_{t+1}) dS_{t+1} + q_t dy_tᵀ              (K, V)  dS after the last step = 0
//   dk_t = dS_t v_t;   dv_t = dS_tᵀ k_t                   (K), (V)
//   dg_s = Σ_{t≥s} (q_t ⊙ dq_t − k_t ⊙ dk_t)              (K)     summed over K for (B, L, H, 1)
// The last line: with the cumulative log decays c_t = Σ_{s≤t} g_s (per channel),
// y_t = Σ_i q_t[i] e^{c_t[i]} Σ_{s≤t} e^{−c_s[i]} k_s[i] v_s, so c_t enters once on the reading
// side, ∂loss/∂c_t = q_t ⊙ dq_t, and once on the writing side, −k_t ⊙ dk_t; and g_s is in every
// c_t with t ≥ s, hence the reverse cumulative sum.
//
// Shapes: q, k (B, L, H, K); v (B, L, H, V); log_decay (B, L, H, 1) or (B, L, H, K), or an
// undefined tensor; out (B, L, H, V) contiguous. L ≥ 1. float32 or float64, all one dtype, CPU.
// Non-contiguous inputs are accepted (the fused kernel copies them to contiguous ones).
//
// Fused kernel: a work unit is one (b, h), scanned sequentially in t with its (K, V) state in a
// per-thread scratch, SIMD across V. Memory kept for the backward: the (contiguous) inputs only,
// no state history. The backward re-runs the forward recurrence for dq (pass 1, forward in t),
// then runs the dS recurrence, which needs no S, for dk, dv and dg (pass 2, backward in t);
// transient memory is the gradients plus K·V + 2K values of scratch per thread. Work per (b, h):
// about 3 L·K·V multiply-adds forward, 7 L·K·V backward. Every (b, h) is owned by one thread and
// sums in a fixed order: bit-identical run to run, whatever the thread count.
// The reference keeps libtorch's autograd graph: the L states, L·B·H·K·V values and their products.
#pragma once
#include <torch/types.h>

namespace fl::kernels {

// Dispatches on fl::kernels::fused() (kernel_mode.h) to one of the two below. Models call this.
torch::Tensor linear_scan(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          const torch::Tensor& log_decay = {});

// Fused CPU kernel with a hand-written backward (a torch::autograd::Function).
torch::Tensor linear_scan_fused(const torch::Tensor& q, const torch::Tensor& k,
                                const torch::Tensor& v, const torch::Tensor& log_decay = {});

// Plain-libtorch reference of the same function (a loop over t, autograd by libtorch); the
// yardstick the fused kernel is tested against.
torch::Tensor linear_scan_reference(const torch::Tensor& q, const torch::Tensor& k,
                                    const torch::Tensor& v, const torch::Tensor& log_decay = {});

}  // namespace fl::kernels
