// Causal multi-head softmax attention with optional sliding window, fused RoPE and per-head
// ALiBi / Hard-ALiBi terms (the positional scheme P: kernels/attention_positions.h), from the
// packed projection qkv = in_proj(x):
//   row t of qkv (B, L, 3D) = [q_t (D); k_t (D); v_t (D)], head h in columns h·hd … h·hd+hd-1 of
//   each part (D = H·hd).
//   q̃_i = R(i) q_i, k̃_j = R(j) k_j        RoPE rotate-half (kernels/rope.h) when rope_base > 0,
//                                          R = identity when rope_base = 0
//   s_ij = q̃_i · k̃_j / √hd − m_h (i − j)  for j in M_h(i) = { j ≤ i, and j > i − r_h when r_h > 0 },
//                                          m_h the ALiBi slope (0 without), r_h = P.reach(h): the
//                                          smaller of W and the Hard-ALiBi window (0 = unlimited)
//   p_ij = exp(s_ij − lse_i),  lse_i = log Σ_{j∈M_h(i)} exp(s_ij)
//   o_i  = Σ_j p_ij v_j                    o (B, L, D), head h in columns h·hd (ready for out_proj)
// Backward (FlashAttention-2), per head, with dO = ∂loss/∂o:
//   Δ_i = dO_i · o_i;   dp_ij = dO_i · v_j;   ds_ij = p_ij (dp_ij − Δ_i)   (the bias is constant)
//   dv_j = Σ_i p_ij dO_i;   dq̃_i = Σ_j ds_ij k̃_j / √hd;   dk̃_j = Σ_i ds_ij q̃_i / √hd
//   dq_i = R(i)ᵀ dq̃_i,  dk_j = R(j)ᵀ dk̃_j   → dqkv (B, L, 3D)
//
// Fused kernel (attention.cpp forward, attention_backward.cpp backward, attention_tiles.h the
// micro-kernels): key tiles of kKeyTile = 64 keys, online softmax, nothing L×L is stored. Tiles
// wholly outside a query block's mask (its head's: r_h) are skipped, and inside a tile each
// register block of 6 query rows computes only the columns (in whole SIMD vectors) its rows see,
// so the cost grows as L·min(L, r_h)·hd; the ALiBi term is added to the scores of a tile row
// after its mask. q and k are rotated with a (L, hd/2) cos/sin table (angles in double, cast to
// T) while being packed.
//   Forward: work units (b, h, block of 64 query rows), in parallel. Per-thread scratch of about
//   4·L·hdp values (hdp = hd rounded up to the SIMD width): q̃/√hd, k̃ (row-major and transposed
//   per key tile) and v of the current head; a key tile stays packed for the next block of the
//   same head.
//   Backward (FlashAttention-2): work units (b, h), in parallel; key tiles outermost; per
//   64-row query block the scores are recomputed, p = exp(s − lse), ds = p ⊙ (dp − Δ), and
//   dq̃ (per register block of rows), dv and dk̃ (per register block of keys) accumulate in the
//   unit's own buffers, un-rotated into dqkv at the end. Per-thread scratch of about 8·L·hdp
//   values.
// Saved for the backward: qkv (as given; a view stays a view), o (B, L, D), lse (B, H, L) and the
// RoPE cos/sin tables (L, hd/2).
// Determinism: every output element is computed by one work unit in a fixed order, so the results
// are bit-identical run to run and whatever the thread count.
// Micro-kernels: AVX-512 or AVX2+FMA intrinsics when the build has them, else portable scalar
// code (AttentionSimd below); exp is vector_math.h's vexp.
// Shapes: B batch, L positions, H heads, hd head dim, D = H·hd, W window (0 = full causal).
// float32 or float64, CPU.
#pragma once
#include <torch/types.h>

#include "kernels/attention_positions.h"

namespace fl::kernels {

// Dispatches on fl::kernels::fused() (kernel_mode.h): the models call this one.
//   qkv (B, L, 3D), its last dim contiguous (rows may be strided); n_head H with 3D divisible by
//   3H; positions P: window W ≥ 0; rope_base > 0 applies RoPE at positions 0 … L-1 (hd must be
//   even), 0 = no rotation; slopes and head_windows empty or H values each (finite, ≥ 0).
//   Returns o (B, L, D).
torch::Tensor causal_attention(const torch::Tensor& qkv, int64_t n_head, const AttentionPositions& positions);

// Hand-written CPU kernel with a hand-written backward (a torch::autograd::Function).
torch::Tensor causal_attention_fused(const torch::Tensor& qkv, int64_t n_head, const AttentionPositions& positions);

// Plain libtorch (split heads, apply_rope, biased masked softmax, matmul), autograd by libtorch: the yardstick.
torch::Tensor causal_attention_reference(const torch::Tensor& qkv, int64_t n_head,
                                         const AttentionPositions& positions);

// The attention probabilities p (B, H, L, L) in plain libtorch: rows sum to 1, zeros outside the mask.
torch::Tensor attention_probabilities(const torch::Tensor& qkv, int64_t n_head, const AttentionPositions& positions);

// The term added to the scores of keys at distances d = i − j (int64, any shape S), (H, S) in
// `dtype`: −m_h · d where head h sees the key, −inf where it does not (d < 0 or d ≥ reach(h) > 0).
// The reference above and the libtorch step path (models/transformer.cpp) add it.
torch::Tensor score_bias(const AttentionPositions& positions, int64_t n_head, const torch::Tensor& distance,
                         torch::Dtype dtype);

// The micro-kernels causal_attention_fused runs: by default the widest SIMD the build has
// (AVX-512, else AVX2+FMA, else portable scalar code); the tests pin each narrower one too.
enum class AttentionSimd { kWidest, kAvx2, kPortable };

// The current choice (kWidest unless a guard below is alive).
AttentionSimd attention_simd();

// The fused kernel on raw buffers (the flat training engine, src/engine/; the autograd Function
// above calls the same code). T = float or double.
template <typename T>
struct AttentionArgs {
  const T* qkv;  // (B, L, 3D): row (b, t) at qkv + b·stride_b + t·stride_l, contiguous inside
  int64_t stride_b, stride_l;
  int64_t B, L, D, H, W;       // W = 0: full causal
  const T *cos, *sin;          // (L, hd/2) each, rope_cos_sin(0, L, hd, base); null: no RoPE
  const double* slopes = nullptr;         // (H) ALiBi slopes m_h; null: none
  const int64_t* head_windows = nullptr;  // (H) Hard-ALiBi windows (0 = unlimited); null: none
};
// out (B, L, D) and lse (B, H, L) written.
template <typename T>
void causal_attention_forward(const AttentionArgs<T>& args, T* out, T* lse, AttentionSimd simd = attention_simd());
// out, lse of the forward; dout (B, L, D) → dqkv (B, L, 3D) written.
template <typename T>
void causal_attention_backward(const AttentionArgs<T>& args, const T* out, const T* lse, const T* dout, T* dqkv,
                               AttentionSimd simd = attention_simd());

// Sets the micro-kernels for the guard's lifetime, then restores the previous choice. kAvx2 on a
// build without AVX2 runs the portable ones.
class AttentionSimdGuard {
 public:
  explicit AttentionSimdGuard(AttentionSimd simd);
  ~AttentionSimdGuard();
  AttentionSimdGuard(const AttentionSimdGuard&) = delete;
  AttentionSimdGuard& operator=(const AttentionSimdGuard&) = delete;

 private:
  AttentionSimd previous_;
};

}  // namespace fl::kernels
