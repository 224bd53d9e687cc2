#include "theory/copy_construction.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <torch/torch.h>

#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "theory/copy_mamba.h"
#include "theory/copy_report.h"
#include "theory/copy_transformer.h"

namespace fl::theory {

namespace {

constexpr int64_t kMaxLength = 256;     // the exact Mamba's vocabulary and cost grow like N² and N⁴
constexpr int64_t kMaxState = 256, kMaxValues = 64;  // vocabulary V·S + S·(N−1) rows of width V + S + 2
constexpr double kLargestLogScore = 650;  // scores up to e^650 ≈ 1e282 stay inside float64

std::string shortest(double x) {  // "1e-12", "0.001"
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

torch::Dtype parse_dtype(const std::string& name) { return name == "float32" ? torch::kFloat32 : torch::kFloat64; }

// 4, 8, 16, … below max_n, then max_n.
std::vector<int64_t> lengths_up_to(int64_t max_n) {
  std::vector<int64_t> out;
  for (int64_t n = 4; n < max_n; n *= 2) out.push_back(n);
  out.push_back(max_n);
  return out;
}

double max_all(const std::vector<double>& worst) { return max_over(worst, 0, static_cast<int64_t>(worst.size()) - 1); }

// errors_by_distance of read(part) over seqs, taken in parts small enough that a (part, T, 4·D)
// float64 tensor (about the widest the layers make) stays within 32 MiB.
template <typename Read>
std::vector<double> errors_in_parts(const std::vector<CopySequence>& seqs, int64_t d_model, Read read) {
  const int64_t T = seqs.at(0).length(), rows = static_cast<int64_t>(seqs.size());
  const int64_t part_rows = std::max<int64_t>(1, (int64_t{1} << 25) / (T * 4 * d_model * 8));
  std::vector<double> worst(T + 1, -1);
  for (int64_t b0 = 0; b0 < rows; b0 += part_rows) {
    const std::vector<CopySequence> part(seqs.begin() + b0, seqs.begin() + std::min(rows, b0 + part_rows));
    const auto w = errors_by_distance(read(part), part);
    for (size_t L = 0; L < worst.size(); ++L) worst[L] = max_nan(worst[L], w[L]);
  }
  return worst;
}

}  // namespace

void validate(const CopyTheoryOptions& o) {
  require(o.max_n >= 2 && o.max_n <= kMaxLength,
          "--max-n must be in [2, " + std::to_string(kMaxLength) + "], got " + std::to_string(o.max_n));
  require(o.samples >= 1 && o.samples <= 1000000, "--samples must be in [1, 1000000], got " + std::to_string(o.samples));
  require(o.state >= 1 && o.state <= kMaxState,
          "--state must be in [1, " + std::to_string(kMaxState) + "], got " + std::to_string(o.state));
  require(o.values >= 2 && o.values <= kMaxValues,
          "--values must be in [2, " + std::to_string(kMaxValues) + "], got " + std::to_string(o.values));
  require(o.epsilon > 0 && o.epsilon < 0.5, "--epsilon must be in (0, 0.5), got " + shortest(o.epsilon));
  require(o.dtype == "float64" || o.dtype == "float32", "--dtype must be float64 or float32, got '" + o.dtype + "'");
  const double log_score = static_cast<double>(o.max_n - 1) * -std::log(decay_for_error(o.epsilon, o.state));
  require(log_score <= kLargestLogScore,
          "--max-n " + std::to_string(o.max_n) + " with --state " + std::to_string(o.state) +
              " and --epsilon " + shortest(o.epsilon) + " needs Theorem 1 scores up to e^" +
              std::to_string(static_cast<int64_t>(log_score)) + ", beyond float64; lower --max-n or raise --state");
  if (o.measure_frontier) validate(o.frontier);
}

CopyTheoryResult run_copy_theory(const CopyTheoryOptions& o) {
  validate(o);
  const auto dtype = parse_dtype(o.dtype);
  const int64_t V = o.values, S = o.state;
  CopyTheoryResult r;
  r.decay = decay_for_error(o.epsilon, S);
  const auto lengths = lengths_up_to(o.max_n);
  Progress progress("theory copy", static_cast<int64_t>(lengths.size()) * 3, o.progress);
  Rng rng(o.seed, kStreamEvalData);
  int64_t done = 0;
  for (const int64_t n : lengths) {
    const auto seqs = distance_sweep(n, V, o.samples, rng);
    const std::vector<CopySequence> first(seqs.begin(), seqs.begin() + (n - 1));  // one per distance: step, head
    const std::string at = "N = " + std::to_string(n) + ": ";
    CopyLengthRow row;
    row.n = n;

    MambaCopy exact({V, n, n, 1.0, dtype});  // Theorem 3: one slot per position, no decay
    const auto exact_worst = errors_in_parts(seqs, exact.model()->config().d_model,
                                             [&](const auto& part) { return exact.read_forward(exact.tokens(part)); });
    row.exact_error = max_all(exact_worst);
    row.exact_step_error = max_all(errors_by_distance(exact.read_step(exact.tokens(first)), first));
    row.exact_head_accuracy = exact.head_accuracy(exact.tokens(first), first);
    row.exact_state_bytes = exact.model()->state_bytes(n);
    progress.update(++done, at + "Mamba, d_state = N");

    MambaCopy constant({V, S, n, r.decay, torch::kFloat64});  // Theorem 1: a ring of S slots with decay
    const auto constant_worst = errors_in_parts(
        seqs, constant.model()->config().d_model, [&](const auto& part) { return constant.read_forward(constant.tokens(part)); });
    row.constant_error_within = max_over(constant_worst, 2, S + 1);  // the source among the last S positions
    row.constant_error_beyond = max_over(constant_worst, S + 2, n);
    row.constant_state_bytes = constant.model()->state_bytes(n);
    progress.update(++done, at + "Mamba, d_state = " + std::to_string(S));

    AttentionCopy attention({V, n, 0.0, dtype});  // Theorem 2
    row.logit_scale_theorem = theorem2_logit_scale(n, o.epsilon);
    row.logit_scale_needed = attention.needed_logit_scale(n, o.epsilon);
    const auto attention_worst = errors_in_parts(seqs, attention.model()->config().d_model, [&](const auto& part) {
      return attention.read_forward(attention.tokens(part));
    });
    row.attention_error = max_all(attention_worst);
    row.attention_step_error = max_all(errors_by_distance(attention.read_step(attention.tokens(first)), first));
    row.kv_cache_bytes = attention.model()->state_bytes(n);
    attention.set_logit_scale(row.logit_scale_needed - 2);
    row.attention_error_below = attention.max_error({attention_worst_case(n)});
    progress.update(++done, at + "attention");
    r.lengths.push_back(row);

    if (n != o.max_n) continue;
    const auto needed = constant.measure_needed_score();
    for (int64_t L = 2; L <= n; ++L)
      r.distances.push_back({L, exact_worst[L], constant_worst[L], attention_worst[L], needed.needed[L],
                             std::pow(1 / needed.a_min, static_cast<double>(L - 1))});
  }
  if (o.measure_frontier) {
    progress.update(done, "Theorem 1 measured: the score frontier");
    ScoreFrontierOptions frontier = o.frontier;
    frontier.seed = o.seed;
    r.frontier = measure_score_frontier(frontier);
  }
  progress.finish();
  render_copy_report(o, r);
  if (!o.out.empty()) write_copy_files(o, r);
  return r;
}

}  // namespace fl::theory
