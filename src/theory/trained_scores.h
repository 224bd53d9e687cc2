// Scores in trained copy models (docs/THEORY.md "Scores in trained models"): what a checkpoint
// trained on `copy` or `lookup` puts on the source of each copy, against the theorems' curves.
//   Mamba, per layer and copy distance L (theory/hidden_attention.h, float64): at each query i
//   with source j = pos(i), i − j = L − 1,
//     source weight   mean_d |S_ij[d]|          the hidden attention on the source
//     raw score       |C_i · B_j|               Theorem 1's c_i·b_j, before the decay
//     decay           ᾱ_ij = mean_{d,n} α_ij    what the score must overcome
//     needed score    1 / ᾱ_ij                  the c·b that would give the source weight 1
//   averaged over the queries at L, beside the exponential curve (1/a)^(L−1) with a the layer's
//   per-step decay (the geometric mean of ᾱ_{t,t−1} over positions): Theorem 1's bound.
//   Transformer, per layer and L: the logit gap at the source, max over heads of
//     log p_ij − max_{k≠j, k≤i} log p_ik     (= the logit difference; RoPE and window included),
//   and the source probability, beside the gap Theorem 2 needs for weight 1 − ε against the i other
//   keys, log(i (1 − ε)/ε) (≈ log L + const at the query).
// Queries: copy "$ x | x .": the position before each copied token x_k (i = |x| + k, j = k,
// L = |x| + 1); lookup: each query token @p (i = its index, j = p, L = the example's distance).
// The report (freelunch reproduce) calls measure_copy_scores and write_copy_scores.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "models/lm.h"
#include "tasks/task.h"

namespace fl::theory {

struct CopyQuery {
  int64_t query = 0, source = 0;  // token indices i (the output that must name the source) and j
};
// The copy queries of one example of a copy or lookup task; fl::Error for another task.
std::vector<CopyQuery> copy_queries(const Task& task, const Example& example);

struct CopyScoreOptions {
  std::vector<int64_t> sizes;  // task sizes (copy: lengths, lookup: distances); empty = the task's defaults
  int64_t samples = 8;         // examples per size (the evaluation stream of `seed`)
  uint64_t seed = 1;
  double epsilon = 1e-3;       // Theorem 2's ε
};

struct MambaScoreRow {
  int64_t layer = 0, distance = 0, queries = 0;
  double source_weight = 0, raw_score = 0, decay = 0, needed_score = 0;
  double bound = 0;  // (1/a)^(L−1), a = the layer's per-step decay
};
struct TransformerScoreRow {
  int64_t layer = 0, distance = 0, queries = 0;
  double gap = 0, smallest_gap = 0;  // mean and min over queries of the best head's gap
  double needed_gap = 0;             // mean of log(i (1 − ε)/ε)
  double source_probability = 0;     // mean of the best head's p_ij
};
struct CopyScores {
  std::string model_type;                  // "mamba" or a Transformer type
  std::vector<double> step_decay;          // Mamba: a per layer
  std::vector<MambaScoreRow> mamba;        // by layer, then distance
  std::vector<TransformerScoreRow> transformer;
};

// Runs the model (a Mamba model is converted to float64 in place) on the examples and gathers the
// scores; fl::Error for a task without copy queries or inputs too long for the hidden attention.
CopyScores measure_copy_scores(LanguageModel& model, const Task& task, const CopyScoreOptions& options);

// <stem>.csv and the plot <stem>.{gp,png,svg} in dir (created): Mamba's raw, needed and bound
// scores against L; the Transformer's gap and the needed gap against L (log x). Returns the files.
std::vector<std::filesystem::path> write_copy_scores(const CopyScores& scores, const std::filesystem::path& dir,
                                                     const std::string& stem, const std::string& title);
// The rows as a printed table.
std::string copy_scores_table(const CopyScores& scores);

}  // namespace fl::theory
