// COPY instances for the hand-built constructions (docs/THEORY.md, "COPY by construction").
// A sequence of T operations; position t is either
//   a write:  it carries a value symbol v_t ∈ [0, V), whose value vector is the one-hot code e_v
//   a query:  it asks for the value written at an earlier position pos(t) < t
// The model answers a query at position i with its output at i (the next-token slot), so the copy
// distance is L = i − pos(i) + 1 = (index of the answer) − (index of the source), as in the lookup
// task; L ∈ [2, T]. The state's decay acts L − 1 times between the write and the read.
// The read-out is the value block (the first V dims) of the residual stream after the layer.
// Error of one query: max over the V value channels of |read-out − e_{v_pos(i)}|.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "core/rng.h"
#include "models/lm.h"

namespace fl::theory {

struct CopySequence {
  std::vector<int64_t> value;   // (T) value symbol of a write, −1 at a query
  std::vector<int64_t> source;  // (T) requested position of a query, −1 at a write

  int64_t length() const { return static_cast<int64_t>(value.size()); }
  bool is_query(int64_t t) const { return source[t] >= 0; }
  int64_t distance(int64_t t) const { return t - source[t] + 1; }  // queries only
};

// `samples` random sequences of length T for each distance L = 2 … T, ordered by sample then L:
// the last position queries distance L; every other position after 0 is, with probability 1/2, a
// query of a uniformly chosen earlier write, else a write of a uniform value. Position 0 and the
// last query's source are writes. So every prefix is itself a random instance of every length ≤ T.
std::vector<CopySequence> distance_sweep(int64_t T, int64_t values, int64_t samples, Rng& rng);

// The hardest length-T instance for softmax attention (Theorem 2): writes at 0 … T−2, value 0 at
// position 0 and value 1 elsewhere, then one query at T−1 for position 0. Every key but the
// target carries a value that differs from the target's in channel 0.
CopySequence attention_worst_case(int64_t T);

// The read-out of a one-layer LanguageModel on tokens (B, T): the first `width` dims of the
// residual stream after layer 0, before the final norm and the head, (B, T, width) float64. By the
// forward path (embedding, block forward) or the step path (embedding, block step with the model's
// own cache, one position at a time).
torch::Tensor value_block_forward(LanguageModel& model, const torch::Tensor& tokens, int64_t width);
torch::Tensor value_block_step(LanguageModel& model, const torch::Tensor& tokens, int64_t width);

// Largest error per copy distance, from the read-out (B, T, V) float64 of seqs (B sequences of
// length T): worst[L] for L = 0 … T is the max over the queries at distance L of
// max_c |read[b, t, c] − e_{v_pos(t)}[c]|, −1 where there was no query. NaN wins over numbers.
std::vector<double> errors_by_distance(const torch::Tensor& read, const std::vector<CopySequence>& seqs);

// max(a, b) where NaN wins.
inline double max_nan(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b); }

// Maximum of worst[L] over lo ≤ L ≤ hi (NaN wins); −1 when no query was seen there.
double max_over(const std::vector<double>& worst, int64_t lo, int64_t hi);

}  // namespace fl::theory
