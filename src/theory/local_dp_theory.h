// `freelunch theory local-dp` as a library: the hand-built Mamba models for the DP tasks against
// Theorem 5 (m-local DP: constant state suffices) and Theorem 4 (steps that reach arbitrarily far
// back: the state must grow with n), with tables, CSVs and plots.
// Through the SSM state (theory/slot_dp_construction.h, theory/slot_dp_checks.h):
//  A. Theorem 5: local_dp interleaved, inputs tagged i mod m, a ring of m slots in layer 1's SSM
//     state, d_conv 4 < m: exact at every T up to max_tokens through both paths, live state flat in
//     T, read-out error and logit margins; the ablation (SSM switched off) near chance.
//  B. Theorem 4: pointer_dp, the smallest exact number of slots per n (d_state and ring layouts).
// The conv-window baseline (theory/local_dp_construction.h; the SSM off, memory in a causal conv
// of width K — the analogue of a sliding-window Transformer):
//  1. interleaved, window K = 2m: on distinct problems at lengths T = 2n + 2 up to max_tokens,
//     greedy generation through the model's step path (the project's evaluator, judged by the
//     task's verifier) and teacher forcing (the parallel forward) are exact at every position;
//     the step engine's live state after T tokens is the same number of bytes at every T.
//  2. prefix at that same window K = 2m: exact while the input s_i (lag n) is in the window
//     (n < K), and no example right once n ≥ K.
//  3. prefix, smallest state per n: the smallest K (searched upward from 1) whose construction is
//     exact on every example of size n — K = n + 1 — with its state bytes against n, a
//     least-squares line, and the information bound n·log2(p) bits any recurrent state needs.
// Same options (seed included) → same numbers.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/statistics.h"
#include "eval/evaluator.h"
#include "theory/local_dp_construction.h"
#include "theory/slot_dp_checks.h"

namespace fl::theory {

struct LocalDpTheoryOptions {
  std::filesystem::path out_dir = "results/theory/local-dp";  // created if missing
  int64_t locality = 6;        // --m (the SSM ring's slots; 6 > d_conv = 4)
  int64_t modulus = 10;        // --modulus, ≤ 100 (the prefix construction has ≈ p² channels)
  int64_t max_tokens = 10000;  // --max-t: the longest interleaved sequence T = 2n + 2
  int64_t max_prefix_n = 16;   // --max-n: prefix sweeps over n = 1 … this (≥ 2, for the fit)
  int64_t max_pointer_n = 16;  // --pointer-max-n: pointer_dp sweeps over n = 1 … this (≤ 48)
  int64_t examples = 16;       // --examples: distinct problems per length (evaluation stream)
  uint64_t seed = 1;           // --seed
  bool progress = true;        // a progress bar on stderr
};

// fl::Error naming the flag (--m, --modulus, --max-t, --max-n, --pointer-max-n, --examples, --out)
// on a bad value.
void validate(const LocalDpTheoryOptions& options);

struct InterleavedRow {
  int64_t tokens = 0, n = 0;
  SizeAccuracy accuracy;       // gen: generated and verified; tf: teacher-forced
  int64_t state_bytes = 0;     // the step engine's live state after `tokens` tokens
};
struct PrefixRow {
  int64_t n = 0, window = 0;
  SizeAccuracy accuracy;
  int64_t state_bytes = 0;     // LanguageModel::state_bytes: Di·(K + N)·4
};
struct SmallestStateRow {
  int64_t n = 0, window = 0;   // window 0: none up to n + 1 + m succeeded
  int64_t state_bytes = 0;
  double whole_below = 0;      // fraction exact with window − 1
  double bound_bits = 0;       // n·log2(p)
};
struct LocalDpTheoryResult {
  std::vector<RingRow> ring;                // A: the SSM ring per length T
  std::vector<PointerRow> pointer;          // B: pointer_dp, n = 1 … max_pointer_n
  LinearFit ring_slots_fit;                 // B: ring state bytes = intercept + slope·n
  int64_t window = 0;                 // K = 2m of the interleaved construction
  int64_t interleaved_channels = 0, prefix_channels = 0;
  std::vector<InterleavedRow> interleaved;
  std::vector<PrefixRow> prefix_fixed;      // prefix at window K = 2m, n = 1 … max_prefix_n
  std::vector<SmallestStateRow> smallest;   // prefix, n = 1 … max_prefix_n
  LinearFit smallest_fit;                   // state bytes = intercept + slope·n
  std::string report;                       // the tables as printed
  std::vector<std::filesystem::path> files; // written, summary first
  bool plots_rendered = false;              // false: gnuplot missing, CSV and scripts only
};

LocalDpTheoryResult run_local_dp_theory(const LocalDpTheoryOptions& options);

// The construction's accuracy on `examples` distinct problems of size n from the evaluation
// stream of `seed`: greedy generation through the step path judged by LocalDpTask::verify (gen)
// and teacher forcing through the parallel forward (tf).
SizeAccuracy check_construction(const LocalDpConstruction& c, int64_t n, int64_t examples, uint64_t seed);

// Bytes of live state (StepEngine::state_bytes) after the step engine has read every token of
// one size-n example of the construction's format.
int64_t live_state_bytes(const LocalDpConstruction& c, int64_t n, uint64_t seed);

// The smallest window K in 1 … max_window whose prefix construction is exact (gen.whole = 1) on
// every example of size n; window 0 when none is.
SmallestStateRow smallest_prefix_state(int64_t locality, int64_t modulus, int64_t n, int64_t examples,
                                       uint64_t seed, int64_t max_window);

}  // namespace fl::theory
