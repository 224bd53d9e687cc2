// The hidden attention of the other constant-state mixers whose core is a decayed linear
// attention (kernels/linear_scan.h): Mamba-2 and linear attention (docs/MODELS.md). Their scan
//   S_t = diag(α_t) S_{t−1} + k_t v_tᵀ,   y_t = S_tᵀ q_t
// unrolls, per head h, to
//   y_i = Σ_{j≤i} S_ij v_j,   S_ij[h] = Σ_c α_ij[h, c] q_i[c] k_j[c],   α_ij = Π_{r=j+1..i} α_r ∈ (0, 1]
// (c the key channel; Mamba-2 and the fixed decay have one α per head, GLA one per key channel,
// decay "none" α = 1) — the paper's "linear attention with decaying weights", exactly, with one
// map per head instead of Mamba-1's one per channel. Mamba-2: q = C, k = B, v = dt·x, plus the
// skip D·x; linear attention: q/√hd, k, v.
// Averages as hidden_attention.h: ᾱ_ij = mean over heads and key channels of α_ij, the decay
// profile from it, and mean_h |S_ij[h]|.
// Verification: y rebuilt from S reproduces kernels::linear_scan on the same operands and, through
// the rest of the mixer (skip, gated norm, output projection), the layer's own mixer output.
// Shapes: B batch, L positions, H heads, K key width, V value width; float64 in practice.
#pragma once
#include <torch/torch.h>

#include "theory/hidden_attention.h"

namespace fl::theory {

// S (B, H, L, L) and ᾱ (B, L, L), 0 above the diagonal, from q, k (B, L, H, K) and log_decay
// (B, L, H, 1 | K) or undefined (α = 1). Memory: about 3·B·H·L² values.
HiddenAttention decayed_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& log_decay);

// y (B, L, H, V) = Σ_j S_ij v_j from the maps and v (B, L, H, V).
torch::Tensor attend(const HiddenAttention& a, const torch::Tensor& v);

// Layer `layer` of a Mamba-2 or linear-attention LM, on the residual stream h (B, L, D) entering it.
LayerAttention analyse_scan_layer(Block& block, ModelFamily family, int64_t layer, const torch::Tensor& h);

}  // namespace fl::theory
