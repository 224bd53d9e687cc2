// COPY with a hand-set Mamba layer (Theorems 3 and 1; docs/THEORY.md "COPY by construction").
// The model is this project's fl::LanguageModel (model.type = mamba, one layer, expand 1); its
// weights are set by hand and it runs its own forward (fused kernels) and step paths.
//
// Letters: V value symbols, S = d_state slots, N the longest sequence, a the per-step decay.
// Residual stream (D = V + S + 2):  dims [0, V) value one-hot | [V, V+S) slot one-hot | cos φ | sin φ.
// Tokens (position enters through the token, as Mamba has no positional embedding):
//   write (v, n)  = "value v, written at a position ≡ n (mod S)":   e_v + e_{V+n}
//   query (n, L)  = "read slot n, at copy distance L ∈ [2, N]":      e_{V+n} + cos φ_L e_{V+S} + sin φ_L e_{V+S+1}
//   with sin φ_L = a^{N−L}. Every row has norm √2, so the block's RMSNorm is one fixed scale ρ.
// The layer (Di = D channels, channel c reads residual dim c; s = 64, dt = 24, z_min = 40):
//   x_c = SiLU(s·h_c) = s·h_c  for c < V+S (conv = identity tap, bias 0; SiLU(0) = 0, SiLU(64) = 64)
//   B_t = C_t = e_{slot}  (x_proj reads the slot channels, 1/s);  dt = softplus(24) = 24 exactly
//   A = ln(a)/dt on every (channel, slot)  →  a_t = exp(dt A) = a;  D = 0
//   z_c = Z sin φ_L for value channels (Z = z_min a^{−(N−2)}), SiLU(z) = z since z ≥ 40
//   out_proj: value channel c → residual dim c, × κ = 1/(dt s z_min a)
// Unrolled (docs/SOURCES.md §2), the value block of the layer output at a query i for slot n is
//   Σ_{writes j ≤ i, j ≡ n} a^{i−j} · (Z sin φ_L κ dt s) · e_{v_j} = Σ_j a^{(i−j) − (L−1)} e_{v_j}:
//   weight exactly 1 on the source j = i−L+1: the score applied, Z sin φ_L (C_i·B_j) ∝ a^{−(L−1)},
//   is the needed score 1/α_ij. Other writes to the same slot j' = j ± kS get a^{±kS}.
//   a = 1, S ≥ N (Theorem 3): every slot is written once, the copy is exact.
//   a < 1, S < N (Theorem 1): exact up to Σ_k a^{kS} while the source is among the last S
//   positions (L ≤ S + 1); for L > S + 1 the slot was rewritten after the source and the newer
//   value gets weight a^{−S}, a^{−2S}, …: the error grows with L.
#pragma once
#include <vector>

#include <torch/torch.h>

#include "models/lm.h"
#include "theory/copy_sequences.h"

namespace fl::theory {

struct MambaCopySpec {
  int64_t values = 8;        // V
  int64_t slots = 64;        // S = model.d_state
  int64_t max_length = 64;   // N: query tokens exist for L = 2 … N
  double decay = 1.0;        // a ∈ (0, 1]
  torch::Dtype dtype = torch::kFloat64;
};

// The decay of the constant-size construction: the largest a whose worst in-state error
// Σ_{k≥1} a^{kS} = a^S / (1 − a^S) is ε, i.e. a = (ε / (1 + ε))^{1/S}. Larger a leaves more of
// the older values of a slot; smaller a needs larger scores a^{−(L−1)}.
double decay_for_error(double epsilon, int64_t slots);

class MambaCopy {
 public:
  explicit MambaCopy(const MambaCopySpec& spec);  // builds the model and sets its weights

  const MambaCopySpec& spec() const { return spec_; }
  LanguageModel& model() { return model_; }
  int64_t write_token(int64_t value, int64_t position) const;
  int64_t query_token(int64_t source, int64_t position) const;
  torch::Tensor tokens(const std::vector<CopySequence>& seqs) const;  // (B, T) int64, equal lengths

  // Value block of the layer output (before the head), (B, T, V) float64: the forward path
  // (embedding, block forward) or the step path (embedding, block step, one token at a time).
  torch::Tensor read_forward(const torch::Tensor& tokens);
  torch::Tensor read_step(const torch::Tensor& tokens);
  // Fraction of the queries where the tied head's argmax over the write tokens is the source's
  // own token (the full forward: embedding, block, final norm, head).
  double head_accuracy(const torch::Tensor& tokens, const std::vector<CopySequence>& seqs);

  // The needed score at distance L, measured from the layer's own recurrence: one write at
  // position 0 followed by queries, run through the step path; α(L) = state_{L−1} / state_0 of
  // the source's slot in value channel 0, needed[L] = 1 / α(L) for L = 2 … N, and the smallest
  // per-step decay a_k = state_k / state_{k−1} seen. Entries 0 and 1 are unused (NaN).
  struct NeededScore {
    std::vector<double> needed;
    double a_min = 1;
  };
  NeededScore measure_needed_score();

 private:
  MambaCopySpec spec_;
  LanguageModel model_{nullptr};
};

}  // namespace fl::theory
