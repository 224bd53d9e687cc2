// `freelunch theory copy`: the paper's COPY results (Ren, Li & Liu, Theorems 1–3; docs/SOURCES.md §3)
// checked on hand-set layers of this project's own models (docs/THEORY.md "COPY by construction").
//   Theorem 3  Mamba with d_state = N ≥ sequence length copies exactly: max error ≤ 1e-5
//              (theory/copy_mamba.h with S = N, a = 1).
//   Theorem 1  Mamba with a constant d_state = S < N: the score needed at copy distance L is
//              1/α = Π 1/a_k = (1/a)^(L−1); the best construction we make (ring of S slots, decay
//              a = (ε/(1+ε))^{1/S}) copies within ε while the source is among the last S positions
//              (L ≤ S + 1) and fails beyond, its error growing like (1/a)^S per lap of the ring.
//   Theorem 2  one softmax-attention layer copies from any position ≤ N with error ≤ ε at logit
//              scale β = log((N−1)(1−ε)/ε) (theory/copy_transformer.h), found by bisection on the
//              layer itself.
//   Theorem 1 measured  the longest distance a one-layer selective SSM with state S copies within
//              ε when its scores are bounded by B, found by gradient descent for B = 1, 2, 4, …
//              beside the bound 1 + log B / log(1/ā) (theory/score_frontier.h).
// For each N in 4, 8, 16, … (and max_n) the three constructions run on the same random sequences
// (copy_sequences.h distance_sweep: `samples` sequences per distance), forward path on all of
// them, step path and head on one sample per distance. Results: a table per N, error and needed score per
// distance at N = max_n, and files in `out`: copy_theory.csv, summary.md and the plots
// copy_error_vs_distance, copy_needed_score, copy_logit_scale, copy_state_bytes (.csv .gp .png
// .svg each, render/plot.h). Numbers are deterministic in (options, thread count).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "theory/score_frontier.h"

namespace fl::theory {

struct CopyTheoryOptions {
  std::filesystem::path out;       // --out: output directory (created); empty = write no files
  int64_t max_n = 64;              // --max-n: longest sequence N, in [2, 256]
  int64_t samples = 16;            // --samples: random sequences per copy distance
  uint64_t seed = 1;               // --seed
  int64_t state = 16;              // --state: d_state S of the constant-size Mamba (Theorem 1)
  int64_t values = 8;              // --values: value symbols V (one-hot value vectors)
  double epsilon = 1e-3;           // --epsilon: the error allowed (Theorems 1 and 2)
  std::string dtype = "float64";   // --dtype: float64 | float32 for Theorems 2 and 3 (Theorem 1: float64)
  bool progress = true;            // progress bar on stderr
  bool measure_frontier = true;    // Theorem 1 measured (--no-frontier skips it)
  ScoreFrontierOptions frontier;   // --frontier-*: its grid (seed = --seed)
};

// Throws fl::Error naming the flag when an option is out of range.
void validate(const CopyTheoryOptions& options);

// One sequence length N. Errors are max-abs over every query and value channel; −1 = no query
// in that range.
struct CopyLengthRow {
  int64_t n = 0;
  double exact_error = 0;          // Theorem 3, forward path (d_state = N)
  double exact_step_error = 0;     // Theorem 3, step path
  double exact_head_accuracy = 0;  // Theorem 3, tied head's argmax = the source token (one sample)
  double constant_error_within = 0;  // Theorem 1 (d_state = S), queries with L ≤ S + 1
  double constant_error_beyond = 0;  // Theorem 1, queries with L > S + 1 (−1 when N ≤ S + 1)
  double logit_scale_needed = 0;     // Theorem 2, β by bisection on the layer
  double logit_scale_theorem = 0;    // log((N−1)(1−ε)/ε)
  double attention_error = 0;        // Theorem 2 at the needed β, random sequences, forward path
  double attention_step_error = 0;   // same, step path (KV cache)
  double attention_error_below = 0;  // worst-case sequence at β − 2
  int64_t exact_state_bytes = 0, constant_state_bytes = 0, kv_cache_bytes = 0;  // after N tokens, 4 B/value
};

// One copy distance L at N = max_n.
struct CopyDistanceRow {
  int64_t distance = 0;
  double exact_error = 0, constant_error = 0, attention_error = 0;  // −1 = no query at this L
  double needed_score = 0;   // 1/α(L) measured from the constant-size layer's state
  double theorem_score = 0;  // (1/a_min)^(L−1)
};

struct CopyTheoryResult {
  double decay = 0;  // a of the constant-size construction
  std::vector<CopyLengthRow> lengths;
  std::vector<CopyDistanceRow> distances;  // L = 2 … max_n
  ScoreFrontier frontier;                  // empty without measure_frontier
  std::string length_table, distance_table, frontier_table, verdict;  // as printed and the checks in words
  std::vector<std::filesystem::path> files;           // written (empty without out)
};

CopyTheoryResult run_copy_theory(const CopyTheoryOptions& options);

}  // namespace fl::theory
