// COPY with a hand-set softmax-attention layer (Theorem 2; docs/THEORY.md "COPY by construction").
// The model is this project's fl::LanguageModel (model.type = transformer, one layer, one head,
// learned absolute positions, whose table we set by hand); it runs its own forward (fused
// attention kernel) and step (KV cache) paths. The MLP is zero, so the block adds nothing after
// the attention.
//
// Letters: V value symbols, N the longest sequence, β the logit scale.
// Residual stream (D = V + 2N):  [0, V) value one-hot | [V, V+N) own position t | [V+N, V+2N) source p.
// Tokens: write v = e_v; query "copy position p" = e_{V+N+p}; the position table adds e_{V+t}.
// Every input row has norm √2, so the RMSNorm is one fixed scale ρ.
// Attention (head dim hd = D): q_i = β√hd · e_{p(i)}, k_j = e_j, v_j = e_{v_j} (0 for a query), so
//   s_ij = q_i·k_j / √hd = β [j = p(i)],   p_ij = softmax_j(s_ij) over j ≤ i,
//   value block of the layer output at query i = Σ_{j≤i} p_ij e_{v_j}.
// With n = i + 1 keys the target gets e^β / (e^β + n − 1); the worst case (every other key's
// value differs from the target's in one channel) has error 1 − p_target, so error ≤ ε for all
// sequences of length ≤ N exactly when β ≥ log((N − 1)(1 − ε)/ε) (the Theorem 2 gap).
#pragma once
#include <vector>

#include <torch/torch.h>

#include "models/lm.h"
#include "theory/copy_sequences.h"

namespace fl::theory {

struct AttentionCopySpec {
  int64_t values = 8;       // V
  int64_t max_length = 64;  // N (model.max_len)
  double logit_scale = 10;  // β
  torch::Dtype dtype = torch::kFloat64;
};

// The Theorem 2 logit gap: log((n − 1)(1 − ε)/ε).
double theorem2_logit_scale(int64_t n, double epsilon);

class AttentionCopy {
 public:
  explicit AttentionCopy(const AttentionCopySpec& spec);  // builds the model and sets its weights

  const AttentionCopySpec& spec() const { return spec_; }
  LanguageModel& model() { return model_; }
  void set_logit_scale(double beta);  // rewrites the query rows of in_proj
  torch::Tensor tokens(const std::vector<CopySequence>& seqs) const;  // (B, T) int64, equal lengths

  // Value block of the layer output (before the head), (B, T, V) float64, by the forward path or
  // the step path (KV cache).
  torch::Tensor read_forward(const torch::Tensor& tokens);
  torch::Tensor read_step(const torch::Tensor& tokens);

  // Max error of the queries of `seqs` (forward path).
  double max_error(const std::vector<CopySequence>& seqs);

  // The smallest β whose error on attention_worst_case(n) is ≤ ε, by bisection on the layer's own
  // forward to relative precision 1e-12. Leaves the layer at that β.
  double needed_logit_scale(int64_t n, double epsilon);

 private:
  AttentionCopySpec spec_;
  LanguageModel model_{nullptr};
};

}  // namespace fl::theory
