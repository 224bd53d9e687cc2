#include "theory/copy_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/atomic_file.h"
#include "render/plot.h"
#include "render/table.h"
#include "theory/copy_sequences.h"

namespace fl::theory {

namespace {

constexpr double kDisplayFloor = 1e-17;  // exact zeros on a log axis

std::string sci(double x) {  // "1.2e-16"; "-" = no query in range
  if (std::isnan(x)) return "nan";
  if (x < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1e", x);
  return buf;
}

std::string num(double x, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}

TextTable length_table(const CopyTheoryResult& r) {
  TextTable t({"N", "T3 err", "T3 step err", "T3 head acc", "T1 err L≤S+1", "T1 err L>S+1", "T2 β needed",
               "T2 β theorem", "T2 err", "T2 step err", "T2 err β-2", "T3 state", "T1 state", "T2 KV cache"});
  for (const auto& w : r.lengths)
    t.add({std::to_string(w.n), sci(w.exact_error), sci(w.exact_step_error), fixed(w.exact_head_accuracy, 3),
           sci(w.constant_error_within), sci(w.constant_error_beyond), num(w.logit_scale_needed, "%.6f"),
           num(w.logit_scale_theorem, "%.6f"), sci(w.attention_error), sci(w.attention_step_error),
           sci(w.attention_error_below), human_bytes(w.exact_state_bytes), human_bytes(w.constant_state_bytes),
           human_bytes(w.kv_cache_bytes)});
  return t;
}

// The distances shown in the terminal: powers of two, the edges of the ring's laps (S+1, S+2,
// 2S+1, 2S+2, 3S+2) and N.
TextTable distance_table(const CopyTheoryOptions& o, const CopyTheoryResult& r) {
  const int64_t S = o.state;
  std::set<int64_t> shown{o.max_n, S + 1, S + 2, 2 * S + 1, 2 * S + 2, 3 * S + 2};
  for (int64_t L = 2; L <= o.max_n; L *= 2) shown.insert(L);
  TextTable t({"L", "T3 err", "T1 err", "T2 err", "needed score 1/α", "(1/a_min)^(L-1)"});
  for (const auto& d : r.distances)
    if (shown.count(d.distance))
      t.add({std::to_string(d.distance), sci(d.exact_error), sci(d.constant_error), sci(d.attention_error),
             num(d.needed_score, "%.6e"), num(d.theorem_score, "%.6e")});
  return t;
}

TextTable frontier_table(const CopyTheoryOptions& o, const CopyTheoryResult& r) {
  TextTable t({"B (score bound)", "longest L, gradient descent", "longest L, erase-on-write ring",
               "decay limit 1+log(B/(1-eps))/log(1/a)", "state limit S"});
  for (const auto& row : r.frontier.rows)
    t.add({num(row.max_score, "%g"), std::to_string(row.longest), std::to_string(row.ring_longest),
           num(row.decay_limit, "%.3f"), std::to_string(o.frontier.state)});
  return t;
}

std::string frontier_legend(const CopyTheoryOptions& o) {
  const auto& f = o.frontier;
  return "Theorem 1 measured: a one-layer selective SSM, state S = " + std::to_string(f.state) +
         ", keys/queries/decays per phase t mod S, |c|,|b| <= sqrt(B), decays <= a = " + num(f.decay_cap, "%g") +
         "; a stream writing at every position and querying distance L at every position; longest L with the " +
         "worst-case error <= " + num(f.epsilon, "%g") + " (best of " + std::to_string(f.restarts) +
         " L-BFGS restarts, float64). docs/THEORY.md \"Theorem 1 measured\".\n";
}

std::string legend(const CopyTheoryOptions& o, const CopyTheoryResult& r) {
  return "T3 = Mamba with d_state = N (Theorem 3, " + o.dtype + "); T1 = Mamba with d_state = S = " +
         std::to_string(o.state) + ", decay a = " + num(r.decay, "%.6f") + " (Theorem 1, float64); T2 = one " +
         "softmax-attention layer at the needed β (Theorem 2, " + o.dtype + "). err = max |read-out − value| over " +
         "queries and value channels (\"-\" = no query); L = copy distance (T1 holds the last S positions: "
         "L ≤ S + 1); head acc on one sequence per distance; state = inference state after N " +
         "tokens at 4 bytes per value.\n";
}

// Where the measured frontier sits: at, below or (impossibly) above min(decay limit, S) for each B.
std::string frontier_verdict(const CopyTheoryOptions& o, const CopyTheoryResult& r) {
  int64_t at = 0, below = 0, above = 0, ring_at = 0;
  for (const auto& row : r.frontier.rows) {
    const int64_t expect = allowed_distance(row, o.frontier.state);
    (row.longest == expect ? at : row.longest < expect ? below : above) += 1;
    ring_at += row.ring_longest == expect;
  }
  const auto n = std::to_string(r.frontier.rows.size());
  return "- Theorem 1 measured (state S = " + std::to_string(o.frontier.state) + ", decay cap a = " +
         num(o.frontier.decay_cap, "%g") + "): the longest distance gradient descent copies within " +
         num(o.frontier.epsilon, "%g") + " equals the largest integer L <= min(1 + log(B/(1-eps))/log(1/a), S) for " +
         std::to_string(at) + " of " + n + " score bounds B, falls below it for " + std::to_string(below) +
         " and exceeds it for " + std::to_string(above) + " (a bound violated: " + (above ? "YES" : "no") +
         "); the erase-on-write ring reaches it for " + std::to_string(ring_at) + " of " + n + ".\n";
}

std::string verdict(const CopyTheoryOptions& o, const CopyTheoryResult& r) {
  double exact = 0, exact_step = 0, head = 1, within = -1, beta_gap = 0, attention = -1, below = 1e300;
  for (const auto& w : r.lengths) {
    exact = max_nan(exact, w.exact_error), exact_step = max_nan(exact_step, w.exact_step_error);
    head = std::min(head, w.exact_head_accuracy);
    within = max_nan(within, w.constant_error_within);
    beta_gap = std::max(beta_gap, std::abs(w.logit_scale_needed - w.logit_scale_theorem));
    attention = max_nan(attention, std::max(w.attention_error, w.attention_step_error));
    below = std::min(below, w.attention_error_below);
  }
  const auto yes = [](bool ok) { return std::string(ok ? "yes" : "NO"); };
  // Rounding slack of "≤ ε" for a quantity computed near 1 (the source's weight) in each dtype.
  const double slack64 = 1e-12, slack = o.dtype == "float32" ? 1e-6 : slack64;
  std::string out = "- Theorem 3 (Mamba, d_state = N): max error " + sci(exact) + " (forward), " + sci(exact_step) +
                    " (step) over N ≤ " + std::to_string(o.max_n) + "; ≤ 1e-5: " +
                    yes(exact <= 1e-5 && exact_step <= 1e-5) + ". The tied head's argmax is the source token in " +
                    num(100 * head, "%.1f") + "% of queries (worst N).\n";
  const auto& last = r.distances.back();
  out += "- Theorem 1 (Mamba, d_state = " + std::to_string(o.state) + "): needed score at L = " +
         std::to_string(last.distance) + " is 1/α = " + num(last.needed_score, "%.4e") + ", (1/a_min)^(L-1) = " +
         num(last.theorem_score, "%.4e") + " (ratio " + num(last.needed_score / last.theorem_score, "%.9f") +
         "). Error for L ≤ S + 1: " + sci(within) + " (≤ ε = " + sci(o.epsilon) + ": " + yes(within <= o.epsilon + slack64) + ")";
  std::string laps;
  constexpr int64_t kLapsShown = 4;
  for (int64_t k = 1; k * o.state + 2 <= o.max_n; ++k) {  // lap k: L in [kS + 2, (k+1)S + 1]
    if (k > kLapsShown) {
      laps += ", …";
      break;
    }
    double lap = -1;
    for (const auto& d : r.distances)
      if (d.distance >= k * o.state + 2 && d.distance <= (k + 1) * o.state + 1) lap = max_nan(lap, d.constant_error);
    laps += (laps.empty() ? "" : ", ") + sci(lap) + " for L in " + std::to_string(k * o.state + 2) + "…" +
            std::to_string(std::min<int64_t>((k + 1) * o.state + 1, o.max_n));
  }
  out += laps.empty() ? "; N ≤ S + 1, so no source is beyond the state.\n"
                      : "; beyond the state (N = " + std::to_string(o.max_n) + "): " + laps + ".\n";
  out += "- Theorem 2 (attention): needed β = log((N-1)(1-ε)/ε) within " + sci(beta_gap) +
         " for every N; max error at that β " + sci(attention) + " (≤ ε: " + yes(attention <= o.epsilon + slack) +
         "); worst-case error at β − 2: " + sci(below) + " (> ε: " + yes(below > o.epsilon) + ").\n";
  if (!r.frontier.rows.empty()) out += frontier_verdict(o, r);
  return out;
}

std::vector<double> column(const CopyTheoryResult& r, double CopyDistanceRow::*field) {
  std::vector<double> out;
  for (const auto& d : r.distances) out.push_back(d.*field);
  return out;
}

void add_files(const PlotFiles& f, std::vector<std::filesystem::path>& files) {
  files.insert(files.end(), {f.csv, f.script});
  if (f.rendered) files.insert(files.end(), {f.png, f.svg});
}

void write_frontier_plot(const CopyTheoryOptions& o, CopyTheoryResult& r) {
  const auto& f = o.frontier;
  LinePlot plot{"Theorem 1 measured: longest copy distance vs score bound (S = " + std::to_string(f.state) +
                    ", decay <= " + num(f.decay_cap, "%g") + ")",
                "score bound B = max |c.b|", "longest distance L copied within eps", true, false, {}};
  Series measured{"gradient descent (best of " + std::to_string(f.restarts) + " restarts)", {}, {}, SeriesStyle::points};
  Series ring{"erase-on-write ring construction", {}, {}, SeriesStyle::linespoints};
  Series limit{"1 + log(B/(1-eps))/log(1/a) (Thm 1 with a = decay cap)", {}, {}, SeriesStyle::line};
  Series ceiling{"state S (rank limit)", {}, {}, SeriesStyle::line};
  for (const auto& row : r.frontier.rows) {
    measured.x.push_back(row.max_score), measured.y.push_back(static_cast<double>(row.longest));
    ring.x.push_back(row.max_score), ring.y.push_back(static_cast<double>(row.ring_longest));
    ceiling.x.push_back(row.max_score), ceiling.y.push_back(static_cast<double>(f.state));
  }
  const double first = r.frontier.rows.front().max_score, last = r.frontier.rows.back().max_score;
  for (int64_t k = 0; k <= 64; ++k) {  // the limit as a smooth curve
    const double B = first * std::pow(last / first, static_cast<double>(k) / 64);
    limit.x.push_back(B), limit.y.push_back(decay_limit(B, f.decay_cap, f.epsilon));
  }
  plot.series = {ring, limit, ceiling, measured};  // the measurement drawn last, on top
  add_files(write_plot(plot, o.out / "copy_score_frontier"), r.files);
}

void write_plots(const CopyTheoryOptions& o, CopyTheoryResult& r) {
  std::vector<double> L, N, needed_n, exact_bytes, copy_memory, constant_bytes, kv_bytes, dense_n, dense_beta;
  for (const auto& d : r.distances) L.push_back(static_cast<double>(d.distance));
  for (const auto& w : r.lengths) {
    N.push_back(static_cast<double>(w.n));
    needed_n.push_back(w.logit_scale_needed);
    exact_bytes.push_back(static_cast<double>(w.exact_state_bytes));
    copy_memory.push_back(static_cast<double>(4 * o.values * w.n));  // V value channels × N slots
    constant_bytes.push_back(static_cast<double>(w.constant_state_bytes));
    kv_bytes.push_back(static_cast<double>(w.kv_cache_bytes));
  }
  for (int64_t n = 2; n <= o.max_n; ++n) {
    dense_n.push_back(static_cast<double>(n));
    dense_beta.push_back(std::log(static_cast<double>(n - 1) * (1 - o.epsilon) / o.epsilon));
  }
  const std::string n_max = std::to_string(o.max_n), s = std::to_string(o.state);

  LinePlot error{"COPY error vs distance (N = " + n_max + ")", "copy distance L (tokens)",
                 "max |read-out - value| over queries", false, true, {}};
  auto exact = column(r, &CopyDistanceRow::exact_error);
  for (double& e : exact) e = e < 0 ? e : std::max(e, kDisplayFloor);  // keep "no query" (−1) undrawn
  error.series.push_back({"Mamba, d_state = N (Thm 3; below 1e-17 drawn at 1e-17)", L, exact});
  error.series.push_back({"Mamba, d_state = " + s + " (Thm 1)", L, column(r, &CopyDistanceRow::constant_error)});
  error.series.push_back({"attention at needed beta (Thm 2)", L, column(r, &CopyDistanceRow::attention_error)});
  error.series.push_back({"epsilon", {2.0, L.back()}, {o.epsilon, o.epsilon}, SeriesStyle::line});
  add_files(write_plot(error, o.out / "copy_error_vs_distance"), r.files);

  LinePlot score{"Score needed vs decay, Mamba d_state = " + s + " (a = " + num(r.decay, "%.4f") + ")",
                 "copy distance L (tokens)", "score c.b (weight 1 on the source)", false, true, {}};
  score.series.push_back({"needed 1/alpha, measured", L, column(r, &CopyDistanceRow::needed_score), SeriesStyle::points});
  score.series.push_back({"(1/a_min)^(L-1) (Thm 1)", L, column(r, &CopyDistanceRow::theorem_score), SeriesStyle::line});
  add_files(write_plot(score, o.out / "copy_needed_score"), r.files);

  LinePlot beta{"Attention logit scale needed for error <= " + sci(o.epsilon), "sequence length N (tokens)",
                "logit scale beta", true, false, {}};
  beta.series.push_back({"needed beta (bisection on the layer)", N, needed_n, SeriesStyle::points});
  beta.series.push_back({"log((N-1)(1-eps)/eps) (Thm 2)", dense_n, dense_beta, SeriesStyle::line});
  add_files(write_plot(beta, o.out / "copy_logit_scale"), r.files);

  if (!r.frontier.rows.empty()) write_frontier_plot(o, r);

  LinePlot bytes{"Inference state after N tokens", "sequence length N (tokens)", "bytes (4 per value)", true, true, {}};
  bytes.series.push_back({"Mamba, d_state = N (Thm 3)", N, exact_bytes});
  bytes.series.push_back({"  of which value channels x slots, V*N (what Thm 3 counts)", N, copy_memory});
  bytes.series.push_back({"Mamba, d_state = " + s + " (Thm 1)", N, constant_bytes});
  bytes.series.push_back({"attention KV cache (Thm 2)", N, kv_bytes});
  add_files(write_plot(bytes, o.out / "copy_state_bytes"), r.files);
}

std::string distances_csv(const CopyTheoryResult& r) {  // every distance, zeros and "no query" (−1) included
  std::string out = "distance,exact_error,constant_error,attention_error,needed_score,theorem_score\n";
  for (const auto& d : r.distances) {
    out += std::to_string(d.distance);
    for (double x : {d.exact_error, d.constant_error, d.attention_error, d.needed_score, d.theorem_score})
      out += num(x, ",%.17g");
    out += "\n";
  }
  return out;
}

std::string frontier_csv(const CopyTheoryResult& r) {  // every (B, L) optimised
  std::string out = "max_score,distance,error,restarts,ring_error\n";
  for (const auto& c : r.frontier.cells)
    out += num(c.max_score, "%.17g") + "," + std::to_string(c.distance) + num(c.error, ",%.17g") + "," +
           std::to_string(c.restarts) + num(c.ring_error, ",%.17g") + "\n";
  return out;
}

std::string lengths_csv(const CopyTheoryResult& r) {
  std::string out =
      "n,exact_error,exact_step_error,exact_head_accuracy,constant_error_within,constant_error_beyond,"
      "logit_scale_needed,logit_scale_theorem,attention_error,attention_step_error,attention_error_below,"
      "exact_state_bytes,constant_state_bytes,kv_cache_bytes\n";
  for (const auto& w : r.lengths) {
    out += std::to_string(w.n);
    for (double x : {w.exact_error, w.exact_step_error, w.exact_head_accuracy, w.constant_error_within,
                     w.constant_error_beyond, w.logit_scale_needed, w.logit_scale_theorem, w.attention_error,
                     w.attention_step_error, w.attention_error_below})
      out += num(x, ",%.17g");
    for (int64_t b : {w.exact_state_bytes, w.constant_state_bytes, w.kv_cache_bytes}) out += "," + std::to_string(b);
    out += "\n";
  }
  return out;
}

}  // namespace

void render_copy_report(const CopyTheoryOptions& o, CopyTheoryResult& r) {
  r.length_table = length_table(r).render() + legend(o, r);
  r.distance_table = distance_table(o, r).render();
  r.verdict = verdict(o, r);
  if (!r.frontier.rows.empty()) r.frontier_table = frontier_table(o, r).render() + frontier_legend(o);
}

void write_copy_files(const CopyTheoryOptions& o, CopyTheoryResult& r) {
  std::filesystem::create_directories(o.out);
  std::vector<std::pair<const char*, std::string>> tables = {{"copy_theory.csv", lengths_csv(r)},
                                                             {"copy_distances.csv", distances_csv(r)}};
  if (!r.frontier.cells.empty()) tables.emplace_back("copy_score_frontier_cells.csv", frontier_csv(r));
  for (const auto& [name, text] : tables) {
    write_file_atomic(o.out / name, text);
    r.files.push_back(o.out / name);
  }
  write_plots(o, r);
  std::string md = "# COPY by construction (`freelunch theory copy`)\n\n";
  md += "Settings: max N = " + std::to_string(o.max_n) + ", V = " + std::to_string(o.values) + " values, " +
        std::to_string(o.samples) + " random sequences per copy distance, seed " + std::to_string(o.seed) +
        ", ε = " + sci(o.epsilon) + ", constant d_state S = " + std::to_string(o.state) + " (decay a = " +
        num(r.decay, "%.6f") + "), dtype " + o.dtype + ". Definitions: docs/THEORY.md, \"COPY by construction\".\n\n";
  md += "## Checks\n\n" + r.verdict + "\n## Per sequence length N\n\n" + length_table(r).render_markdown() + "\n" +
        legend(o, r) + "\n## Per copy distance L (N = " + std::to_string(o.max_n) + ", selected)\n\n" +
        distance_table(o, r).render_markdown() + "\nEvery distance: copy_distances.csv (−1 = no query at that distance).\n";
  if (!r.frontier.rows.empty())
    md += "\n## Theorem 1 measured: the score frontier\n\n" + frontier_table(o, r).render_markdown() + "\n" +
          frontier_legend(o) + "\nEvery (B, L) optimised: copy_score_frontier_cells.csv.\n";
  if (!gnuplot_available()) md += "\ngnuplot was not found: the plots are CSV files and gnuplot scripts only.\n";
  write_file_atomic(o.out / "summary.md", md);
  r.files.push_back(o.out / "summary.md");
}

}  // namespace fl::theory
