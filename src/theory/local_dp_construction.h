// The conv-window baseline (issue 5 §2; docs/THEORY.md "The conv-window baseline"): the weights
// of a real one-layer fl::LanguageModel (model.type mamba) set by hand so that its greedy step
// path writes the local_dp task's results exactly,
//   dp_i = (dp_{i-1} + dp_{i-m} + s_i) mod p.
// Kept as the baseline beside the SSM-state constructions (theory/slot_dp_construction.h): the SSM
// is off and the memory is the conv, the analogue of a sliding-window Transformer.
//
// Mechanism. The memory is the block's causal conv window of K tokens (conv_state, K values per
// channel); the SSM is switched off (x_proj = 0, so B = C = 0 and y = D ⊙ x). Every token carries
// a number f in one embedding dimension (results r_v: f = v; inputs s_v: f = σ·v; others 0), so
// each channel j of the conv sees the same sequence f_t and computes, over its taps (lag ℓ,
// weight w_ℓ), the integer
//   S_t = Σ_ℓ w_ℓ f_{t−ℓ}                                         (≡ the next result mod p)
//   x_j = SiLU(β (S_t − c_j)),   c_j = j − 1,  j = 0 … S_max + 2    (β = 20: x_j/β = ReLU(S − c_j) ± 1e-7)
// The nonlinearity the DP needs (a one-hot of S mod p) is built from these ramps alone: the hat
//   hat_k(S) = ρ(S − k + 1) − 2 ρ(S − k) + ρ(S − k − 1),   ρ(z) = ReLU(z),
// is 1 at S = k and 0 at every other integer, and out_proj writes Σ_{k ≡ v (mod p)} hat_k(S) into
// the output dimension of result v (the SiLU(z) gate is a constant γ = 20 on every token). One
// more channel (the "EOS unit") writes 2 into the output dimension of "." when the token at its
// lag marks the end. The tied head reads only the output dimensions (norm_f's weight is 0
// elsewhere), so the logits are a positive multiple of [hats…, EOS score, 0 for every other token].
//
// Formats (taps; σ):
//   interleaved (K = 2m): at s_i: lags 0 (s_i), 1 (dp_{i−1}), 2m−1 (dp_{i−m}), weights 1; σ = 1.
//                EOS unit: "is a result" at lag 0 (every result is followed by "." or an input
//                the environment supplies). S ≤ 3(p−1).
//   prefix (K = n + 1): at dp_{i−1} (or "|"): lags 0 (dp_{i−1}), m−1 (dp_{i−m}, or an input s_j
//                when i < m), n (s_i, weight 1/p); σ = p, so an input seen through the lag m−1
//                tap adds a multiple of p (≡ 0) and through the lag n tap its value.
//                EOS unit: "|" at lag n (that is the position of dp_n). S ≤ (p−1)(p+2).
// Taps at lags ≥ K do not exist (a smaller window simply cannot see them): the prefix
// construction with K ≤ n loses s_i and the end marker and fails.
// Embedding: every token row has the same squared norm C (a filler dimension), so the block's
// RMSNorm is the identity (its weight is √(C/D + eps)) and f is read unscaled.
// Sizes: d_model D = p + 6 (the embedding dimensions), Di = expand·D ≥ S_max + 4 channels.
// State: Di·(K + N) float32 values, N = d_state = 1: constant in the length for interleaved,
// linear in n for prefix (K = n + 1).
#pragma once
#include <cstdint>

#include "models/lm.h"
#include "tasks/local_dp.h"

namespace fl::theory {

struct LocalDpConstruction {
  LocalDpTask::Format format = LocalDpTask::Format::Interleaved;
  int64_t locality = 2;  // m ≥ 1
  int64_t modulus = 10;  // p ≥ 2
  int64_t window = 4;    // K = model.d_conv ≥ 1: the tokens the model sees
  int64_t prefix_n = 1;  // prefix only: the problem size n, the lag of the input tap
};

// The window each format's construction needs: interleaved 2m (independent of n), prefix n + 1.
int64_t interleaved_window(int64_t locality);
int64_t prefix_window(int64_t n);

// Channels Di of the construction (S_max + 4 rounded up to a multiple of d_model = p + 6):
// depends on the format and p only.
int64_t construction_channels(LocalDpTask::Format format, int64_t modulus);

// The hand-set model: type mamba, 1 layer, d_conv K, d_state 1, dt_rank 1, float32, vocabulary
// of LocalDpTask(format, ·, ·, m, p). Throws fl::Error on m < 1, p < 2, K < 1, n < 1.
LanguageModel build_local_dp_mamba(const LocalDpConstruction& c);

}  // namespace fl::theory
