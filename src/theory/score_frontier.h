// Theorem 1 measured (docs/THEORY.md "Theorem 1 measured: the score frontier"): how far back a
// one-layer selective SSM with state S can copy when its scores are bounded, found by gradient
// descent rather than assumed.
//
// The family (ours). One value channel group, S state entries, read as linear attention
// (docs/SOURCES.md §2): at every position t a value v_t (one-hot) is written and the position i asks for
// the value written L − 1 steps earlier (the copy distance L, source s = i − L + 1):
//   y_i = Σ_{j≤i} w_ij v_j,    w_ij = Σ_n c_i[n] b_j[n] Π_{k=j+1..i} a_k[n].
// Keys b_t, queries c_t ∈ R^S and decays a_t ∈ (0, ā]^S are free functions of the position's phase
// t mod S (the position convention: tokens may carry their position modulo a period); the scores
// are bounded by |c|, |b| ≤ √B, so |c·b| ≤ B; ā is the slowest decay allowed (a cap on the decay).
// Error of a query: the worst case over one-hot value sequences (V ≥ 2) of max-abs(y_i − v_s):
//   max(|w_is − 1 + P|, |w_is − 1 + N|, P, −N),   P / N = sum of the positive / negative w_ij, j ≠ s.
// A stream of T = L + 2S + 2 positions; every query i ≥ L − 1 counts; copied within ε when the
// largest error is ≤ ε.
//
// Two limits hold for every member of the family:
//   decay (Theorem 1's): w_is ≤ |c||b| ā^{L−1} ≤ B ā^{L−1}, so error ≤ ε needs
//     L ≤ 1 + log(B/(1−ε)) / log(1/ā)                              (≈ 1 + log B / log(1/ā));
//   state: for L ≥ S + 1 the S + 1 queries i_0 … i_0 + S and their sources form a block of the
//     causal weight matrix of rank ≤ S that should equal the identity, so error ≥ 1/(S + 1).
// The ring with erase-on-write (slot t mod S, a = 0 on the slot being written, ā elsewhere, score
// ā^{−(L−1)}) reaches both limits: error 0 while L ≤ S and B ≥ ā^{−(L−1)}.
// The measurement: for B = 1, 2, 4, …, L = 2, 3, … until no restart copies within ε, the best of `restarts`
// L-BFGS runs (float64, deterministic initialisations from fl::Rng) on the mean squared weight
// error Σ_i ((w_is − 1)² + Σ_{j≠s} w_ij²), judged by the worst-case error every 25 iterations (a
// run stops once within ε, a restart only follows a run that did not get there). The family grows
// with B (a ball of radius √B holds the smaller ones), so parameters found for one B count for every
// larger B: each B's search starts one past the longest L found so far (the frontier is monotone).
#pragma once
#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace fl::theory {

struct ScoreFrontierOptions {
  int64_t state = 4;            // S (--frontier-state)
  double decay_cap = 0.5;       // ā ∈ (0, 1] (--frontier-decay)
  double max_score = 64;        // B = 1, 2, 4, … up to this (--frontier-max-score)
  int64_t restarts = 3;         // (--frontier-restarts)
  int64_t iterations = 300;     // L-BFGS iterations per restart (at most)
  double epsilon = 1e-2;        // (--frontier-epsilon)
  uint64_t seed = 1;
};

// fl::Error naming the flag on a bad value.
void validate(const ScoreFrontierOptions& options);

// Phase-indexed parameters, (S, S) each: row k is the position phase k = t mod S.
struct SelectiveSsm {
  torch::Tensor c, b;  // queries and keys
  torch::Tensor log_a;  // log of the decays, ≤ log ā
};

// w (T, T) float64, 0 above the diagonal.
torch::Tensor copy_weights(const SelectiveSsm& ssm, int64_t T);
// Largest worst-case error over the queries i = L − 1 … T − 1 of w (T, T).
double copy_error(const torch::Tensor& w, int64_t L);
// Stream length of a measurement at distance L: L + 2S + 2.
int64_t stream_length(int64_t state, int64_t L);
// The ring with erase-on-write at distance L, scores capped at B (see above).
SelectiveSsm erase_ring(int64_t state, double decay_cap, double max_score, int64_t L);
// 1 + log(B/(1−ε)) / log(1/ā) (infinite for ā = 1).
double decay_limit(double max_score, double decay_cap, double epsilon);

struct FrontierCell {
  double max_score = 0;       // B
  int64_t distance = 0;       // L
  double error = 0;           // the best restart's worst-case error
  int64_t restarts = 0;       // restarts run (stops at the first within ε)
  double ring_error = 0;      // the erase-on-write ring's error
};
struct FrontierRow {
  double max_score = 0;
  int64_t longest = 0;        // largest L copied within ε by gradient descent at this B or a smaller one (0: none)
  int64_t ring_longest = 0;   // the same for the erase-on-write ring
  double decay_limit = 0;     // 1 + log(B/(1−ε)) / log(1/ā)
};
struct ScoreFrontier {
  std::vector<FrontierCell> cells;
  std::vector<FrontierRow> rows;
};

ScoreFrontier measure_score_frontier(const ScoreFrontierOptions& options);

// The longest distance Theorem 1 allows at this row's B with state S: the largest integer
// L ≤ min(decay limit, S), or 0 when that is below 2 (copy distances start at 2). Gradient
// descent is "on the bound" when row.longest equals it, and breaks the theorem above it.
int64_t allowed_distance(const FrontierRow& row, int64_t state);

// The best worst-case error gradient descent finds for one (B, L) in `restarts` runs, stopping at
// the first within ε; `restarts_run` receives how many ran.
double optimise_copy(const ScoreFrontierOptions& options, double max_score, int64_t L, int64_t* restarts_run);

}  // namespace fl::theory
