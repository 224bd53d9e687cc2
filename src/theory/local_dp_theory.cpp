#include "theory/local_dp_theory.h"

#include <cmath>
#include <cstdio>
#include <iterator>
#include <sstream>
#include <system_error>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "data/eval_set.h"
#include "kernels/kernel_mode.h"
#include "render/plot.h"
#include "render/table.h"

namespace fl::theory {

namespace {

using Format = LocalDpTask::Format;

LocalDpTask task_of(const LocalDpConstruction& c, int64_t n) {
  return LocalDpTask(c.format, 1, n, c.locality, c.modulus);
}

// Interleaved lengths: 4, 10, 30, 100, 300, … below max_tokens, then max_tokens; as n = (T − 2)/2.
std::vector<int64_t> interleaved_sizes(int64_t max_tokens) {
  std::vector<int64_t> sizes;
  const auto add = [&](int64_t tokens) {
    const int64_t n = (tokens - 2) / 2;
    if (sizes.empty() || n > sizes.back()) sizes.push_back(n);
  };
  add(4);
  for (int64_t decade = 10; decade < max_tokens; decade *= 10)
    for (int64_t t : {decade, 3 * decade})
      if (t < max_tokens) add(t);
  add(max_tokens);
  return sizes;
}

int64_t tokens_of(int64_t n) { return 2 * n + 2; }

std::string pct(double fraction) { return fixed(fraction, 3); }

// Every example's whole continuation right (a fraction of exactly 1 up to the averaging's rounding).
bool all_exact(const SizeAccuracy& a) { return a.gen.whole > 1.0 - 1e-9; }

// A CSV file of a table: header line, then rows (plain numbers and words, no quoting needed).
std::string csv(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::ostringstream out;
  for (size_t i = 0; i < header.size(); ++i) out << (i ? "," : "") << header[i];
  out << '\n';
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << row[i];
    out << '\n';
  }
  return out.str();
}

// One table three ways: text (printed), Markdown (summary) and CSV (a file).
struct Table {
  std::string title;
  std::vector<std::string> header, csv_header;
  std::vector<std::vector<std::string>> rows;
  std::string text() const {
    TextTable t(header);
    for (const auto& r : rows) t.add(r);
    return title + "\n" + t.render();
  }
  std::string markdown() const {
    TextTable t(header);
    for (const auto& r : rows) t.add(r);
    return "### " + title + "\n\n" + t.render_markdown();
  }
};

Table interleaved_table(const LocalDpTheoryOptions& o, const LocalDpTheoryResult& r) {
  Table t{"C1. Conv-window baseline (SSM off, memory in the conv: the sliding-window analogue), interleaved "
          "'$ s_1 dp_1 ... s_n dp_n .', m = " + std::to_string(o.locality) + ", p = " +
              std::to_string(o.modulus) + ": window K = 2m = " + std::to_string(r.window) + ", Di = " +
              std::to_string(r.interleaved_channels) + " channels, d_state 1",
          {"T tokens", "n", "examples", "generated exact", "positions right", "teacher-forced exact", "state bytes"},
          {"tokens", "n", "examples", "generated_whole", "generated_token", "teacher_forced_whole", "state_bytes"},
          {}};
  for (const auto& row : r.interleaved)
    t.rows.push_back({std::to_string(row.tokens), std::to_string(row.n), std::to_string(row.accuracy.n),
                      pct(row.accuracy.gen.whole), pct(row.accuracy.gen.token), pct(row.accuracy.tf.whole),
                      std::to_string(row.state_bytes)});
  return t;
}

Table prefix_fixed_table(const LocalDpTheoryResult& r) {
  Table t{"C2. Conv-window baseline, prefix '$ s_1 ... s_n | dp_1 ... dp_n .' at the same window K = " + std::to_string(r.window) + ", Di = " +
              std::to_string(r.prefix_channels) + ": exact only while n < K",
          {"n", "T tokens", "examples", "generated exact", "answer right", "state bytes"},
          {"n", "tokens", "examples", "generated_whole", "generated_answer", "state_bytes"},
          {}};
  for (const auto& row : r.prefix_fixed)
    t.rows.push_back({std::to_string(row.n), std::to_string(tokens_of(row.n)), std::to_string(row.accuracy.n),
                      pct(row.accuracy.gen.whole), pct(row.accuracy.gen.answer), std::to_string(row.state_bytes)});
  return t;
}

Table smallest_table(const LocalDpTheoryResult& r) {
  Table t{"C3. Conv-window baseline, prefix, smallest state that is exact on every example of size n (window searched from K = 1; Di = " +
              std::to_string(r.prefix_channels) + ")",
          {"n", "smallest K", "state bytes", "exact at K-1", "bound n*log2(p) bits"},
          {"n", "smallest_window", "state_bytes", "whole_at_window_minus_1", "bound_bits"},
          {}};
  for (const auto& row : r.smallest)
    t.rows.push_back({std::to_string(row.n), std::to_string(row.window), std::to_string(row.state_bytes),
                      pct(row.whole_below), fixed(row.bound_bits, 1)});
  return t;
}

std::string printed(double x, const char* format) {  // "-" for NaN
  if (std::isnan(x)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}
std::string sci(double x) { return printed(x, "%.1e"); }
std::string count_or_none(int64_t x) { return x > 0 ? std::to_string(x) : "none"; }

Table ring_table(const LocalDpTheoryOptions& o, const LocalDpTheoryResult& r) {
  Table t{"A. Theorem 5 through the SSM state: interleaved, inputs tagged i mod m, a ring of m = " +
              std::to_string(o.locality) + " slots in layer 1's SSM, d_conv 4, 2 layers (" +
              std::string(kernels::mode_name(kernels::mode())) + " kernels); chance = 1/p = " + fixed(1.0 / static_cast<double>(o.modulus), 3),
          {"T tokens", "n", "examples", "generated exact", "teacher-forced exact", "read-out error", "margin parallel",
           "margin step", "state bytes", "SSM off: positions right", "SSM off: exact"},
          {"tokens", "n", "examples", "generated_whole", "teacher_forced_whole", "readout_error", "margin_parallel",
           "margin_step", "state_bytes", "ablated_generated_token", "ablated_generated_whole"},
          {}};
  for (const auto& row : r.ring)
    t.rows.push_back({std::to_string(row.tokens), std::to_string(row.n), std::to_string(row.accuracy.n),
                      pct(row.accuracy.gen.whole), pct(row.accuracy.tf.whole), sci(row.precision.readout_error),
                      printed(row.precision.margin_parallel, "%.6f"), printed(row.precision.margin_step, "%.6f"),
                      std::to_string(row.state_bytes), pct(row.ablated.gen.token), pct(row.ablated.gen.whole)});
  return t;
}

Table pointer_table(const LocalDpTheoryOptions& o, const LocalDpTheoryResult& r) {
  Table t{"B. Theorem 4: pointer_dp (dp_i = dp_{i-1} + dp_{r_i} + s_i mod p, r_i named by the input), the "
              "smallest number of slots exact on every problem (random + one reading each dp_j last), p = " +
              std::to_string(o.modulus),
          {"n", "T tokens", "problems", "smallest d_state", "state bytes", "exact at d_state-1", "scan FLOPs of CoT",
           "smallest ring slots", "ring state bytes", "exact at slots-1", "ring scan FLOPs of CoT", "bound (n-1)*log2(p) bits"},
          {"n", "tokens", "problems", "smallest_d_state", "d_state_bytes", "d_state_exact_below", "d_state_scan_flops",
           "smallest_ring_slots", "ring_state_bytes", "ring_exact_below", "ring_scan_flops", "bound_bits"},
          {}};
  for (const auto& row : r.pointer)
    t.rows.push_back({std::to_string(row.n), std::to_string(row.tokens), std::to_string(row.problems),
                      count_or_none(row.state.slots), std::to_string(row.state.state_bytes),
                      std::isnan(row.state.exact_below) ? "-" : pct(row.state.exact_below),
                      sci(row.state.scan_flops), count_or_none(row.ring.slots), std::to_string(row.ring.state_bytes),
                      std::isnan(row.ring.exact_below) ? "-" : pct(row.ring.exact_below), sci(row.ring.scan_flops),
                      fixed(row.bound_bits, 1)});
  return t;
}

std::string fit_text(const LocalDpTheoryOptions& o, const LinearFit& f) {
  std::ostringstream out;
  out << "prefix smallest state = " << fixed(f.intercept, 1) << " + " << fixed(f.slope, 1)
      << " * n bytes (least squares, R^2 = " << fixed(f.r_squared, 6) << "); any recurrent state needs n*log2(" << o.modulus
      << ") = " << fixed(std::log2(static_cast<double>(o.modulus)), 3) << " * n bits\n";
  return out.str();
}

std::string ring_fit_text(const LinearFit& f) {
  return "pointer_dp smallest ring state = " + fixed(f.intercept, 1) + " + " + fixed(f.slope, 1) +
         " * n bytes (least squares, R^2 = " + fixed(f.r_squared, 6) + ")\n";
}

void make_out_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  require(!ec && std::filesystem::is_directory(dir),
          "--out " + dir.string() + ": cannot create the directory" + (ec ? " (" + ec.message() + ")" : ""));
}

void add_plot(const LinePlot& plot, const std::filesystem::path& stem, LocalDpTheoryResult& r) {
  const PlotFiles files = write_plot(plot, stem);
  r.plots_rendered = files.rendered;
  r.files.push_back(files.csv);
  if (files.rendered) r.files.push_back(files.png), r.files.push_back(files.svg);
}

void write_plots(const LocalDpTheoryOptions& o, LocalDpTheoryResult& r) {
  const std::string K = std::to_string(r.window), m = std::to_string(o.locality);
  Series ring_gen{"SSM ring (m = " + m + " slots, d_conv 4): generated chain exact", {}, {}};
  Series ring_tf{"SSM ring: teacher-forced exact", {}, {}, SeriesStyle::points};
  Series ablated{"SSM ring with the SSM switched off: positions right", {}, {}};
  Series chance{"chance 1/p", {}, {}, SeriesStyle::line};
  Series gen{"conv-window baseline (K = " + K + "): generated chain exact", {}, {}};
  Series tf{"conv-window baseline: teacher-forced exact", {}, {}, SeriesStyle::points};
  Series prefix{"conv-window baseline, prefix at K = " + K + ": generated exact", {}, {}};
  const auto add = [](Series& s, int64_t x, double y) { s.x.push_back(static_cast<double>(x)), s.y.push_back(y); };
  for (const auto& row : r.ring) {
    add(ring_gen, row.tokens, row.accuracy.gen.whole), add(ring_tf, row.tokens, row.accuracy.tf.whole);
    add(ablated, row.tokens, row.ablated.gen.token), add(chance, row.tokens, 1.0 / static_cast<double>(o.modulus));
  }
  for (const auto& row : r.interleaved)
    add(gen, row.tokens, row.accuracy.gen.whole), add(tf, row.tokens, row.accuracy.tf.whole);
  for (const auto& row : r.prefix_fixed) add(prefix, tokens_of(row.n), row.accuracy.gen.whole);
  LinePlot exact{"local_dp by construction: exactness vs length", "sequence length T (tokens)",
                 "fraction of sequences (positions) right", true, false, {ring_gen, ring_tf, ablated, chance, gen, tf, prefix},
                 "center right"};
  add_plot(exact, o.out_dir / "exactness_vs_T", r);

  Series ring_state{"SSM ring (m = " + m + "), live state", {}, {}};
  Series constant{"conv-window baseline (K = " + K + "), live state", {}, {}};
  Series growing{"conv-window baseline, prefix: smallest exact state", {}, {}};
  Series pointer_state{"pointer_dp: smallest exact d_state layout", {}, {}};
  Series pointer_ring{"pointer_dp: smallest exact ring of slots", {}, {}};
  for (const auto& row : r.ring) add(ring_state, row.tokens, static_cast<double>(row.state_bytes));
  for (const auto& row : r.interleaved) add(constant, row.tokens, static_cast<double>(row.state_bytes));
  for (const auto& row : r.smallest)
    if (row.window > 0) add(growing, tokens_of(row.n), static_cast<double>(row.state_bytes));
  for (const auto& row : r.pointer) {
    if (row.state.slots > 0) add(pointer_state, row.tokens, static_cast<double>(row.state.state_bytes));
    if (row.ring.slots > 0) add(pointer_ring, row.tokens, static_cast<double>(row.ring.state_bytes));
  }
  LinePlot bytes{"DP by construction: state vs length", "sequence length T (tokens)", "state (bytes)", true, true,
                 {ring_state, pointer_ring, pointer_state, constant, growing}, "bottom right"};
  add_plot(bytes, o.out_dir / "state_bytes_vs_T", r);

  Series ring_flops{"local_dp, SSM ring (m = " + m + ")", {}, {}};
  Series state_flops{"pointer_dp, smallest d_state layout", {}, {}};
  Series slots_flops{"pointer_dp, smallest ring of slots", {}, {}};
  for (const auto& row : r.ring) add(ring_flops, row.tokens, row.scan_flops);
  for (const auto& row : r.pointer) {
    if (row.state.slots > 0) add(state_flops, row.tokens, row.state.scan_flops);
    if (row.ring.slots > 0) add(slots_flops, row.tokens, row.ring.scan_flops);
  }
  LinePlot flops{"DP by construction: scan FLOPs of the whole chain vs length", "sequence length T (tokens)",
                 "FLOPs over the state, all T tokens", true, true, {ring_flops, slots_flops, state_flops}};
  add_plot(flops, o.out_dir / "scan_flops_vs_T", r);

  Series found{"smallest exact state", {}, {}, SeriesStyle::points};
  Series below{"one window slot less: fails", {}, {}, SeriesStyle::points};
  Series line{"fit " + fixed(r.smallest_fit.intercept, 0) + " + " + fixed(r.smallest_fit.slope, 0) + " n", {}, {},
              SeriesStyle::line};
  Series bound{"information bound n log2(p) bits", {}, {}, SeriesStyle::line};
  for (const auto& row : r.smallest) {
    if (row.window == 0) continue;
    const double slot = static_cast<double>(4 * r.prefix_channels);
    add(found, row.n, static_cast<double>(row.state_bytes));
    add(below, row.n, static_cast<double>(row.state_bytes) - slot);
    add(line, row.n, r.smallest_fit.intercept + r.smallest_fit.slope * static_cast<double>(row.n));
    add(bound, row.n, row.bound_bits / 8.0);
  }
  LinePlot smallest{"conv-window baseline, prefix format: smallest state vs n", "problem size n (steps)",
                    "state (bytes)", false, false, {found, below, line, bound}};
  add_plot(smallest, o.out_dir / "prefix_smallest_state_vs_n", r);
}

}  // namespace

void validate(const LocalDpTheoryOptions& o) {
  const auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  require(in(o.locality, 1, 100), "--m = " + std::to_string(o.locality) +
                                      " must be in 1..100 (the SSM ring has m(p + 1) + 1 channels)");
  require(in(o.modulus, 2, 100), "--modulus = " + std::to_string(o.modulus) +
                                     " must be in 2..100 (the prefix construction has about p^2 channels)");
  require(in(o.max_tokens, 4, 200000),
          "--max-t = " + std::to_string(o.max_tokens) + " must be in 4..200000 (T = 2n + 2 tokens, n >= 1)");
  require(in(o.max_prefix_n, 2, 64), "--max-n = " + std::to_string(o.max_prefix_n) + " must be in 2..64");
  require(in(o.max_pointer_n, 2, 48), "--pointer-max-n = " + std::to_string(o.max_pointer_n) +
                                          " must be in 2..48 (pointer_dp's inputs carry i and r_i: p*n^2/2 tokens)");
  require(in(o.examples, 1, 1000), "--examples = " + std::to_string(o.examples) + " must be in 1..1000");
  require(!o.out_dir.empty(), "--out must name a directory");
}

SizeAccuracy check_construction(const LocalDpConstruction& c, int64_t n, int64_t examples, uint64_t seed) {
  auto model = build_local_dp_mamba(c);
  const auto task = task_of(c, n);
  const EvalSet set(task, {n}, examples, seed);
  return evaluate(model, task, set, /*generate=*/true, /*batch_size=*/examples).rows.at(0);
}

int64_t live_state_bytes(const LocalDpConstruction& c, int64_t n, uint64_t seed) {
  Rng rng(seed, kStreamEvalData);
  return live_state_bytes(build_local_dp_mamba(c), task_of(c, n).sample_at(rng, n).tokens);
}

SmallestStateRow smallest_prefix_state(int64_t locality, int64_t modulus, int64_t n, int64_t examples,
                                       uint64_t seed, int64_t max_window) {
  SmallestStateRow row;
  row.n = n;
  row.bound_bits = static_cast<double>(n) * std::log2(static_cast<double>(modulus));
  double previous = 0;  // exact fraction at the window before
  for (int64_t K = 1; K <= max_window; ++K) {
    const LocalDpConstruction c{Format::Prefix, locality, modulus, K, n};
    const SizeAccuracy accuracy = check_construction(c, n, examples, seed);
    if (all_exact(accuracy)) {
      row.window = K;
      row.state_bytes = build_local_dp_mamba(c)->state_bytes(tokens_of(n));
      row.whole_below = previous;
      return row;
    }
    previous = accuracy.gen.whole;
  }
  return row;
}

LocalDpTheoryResult run_local_dp_theory(const LocalDpTheoryOptions& o) {
  validate(o);
  make_out_dir(o.out_dir);
  const int64_t m = o.locality, p = o.modulus, max_n = o.max_prefix_n;
  LocalDpTheoryResult r;
  r.window = interleaved_window(m);
  r.interleaved_channels = construction_channels(Format::Interleaved, p);
  r.prefix_channels = construction_channels(Format::Prefix, p);
  const auto sizes = interleaved_sizes(o.max_tokens);
  Progress progress("theory local-dp", 2 * static_cast<int64_t>(sizes.size()) + 2 * max_n + o.max_pointer_n,
                    o.progress);
  int64_t done = 0;

  for (int64_t n : sizes) {
    progress.update(done++, "SSM ring T = " + std::to_string(tokens_of(n)));
    r.ring.push_back(check_ring(m, p, n, o.examples, o.seed));
  }
  std::vector<double> slots_n, slots_bytes;
  for (int64_t n = 1; n <= o.max_pointer_n; ++n) {
    progress.update(done++, "pointer_dp smallest state, n = " + std::to_string(n));
    r.pointer.push_back(check_pointer(p, n, o.max_pointer_n, o.examples, o.seed));
    if (r.pointer.back().ring.slots > 0)
      slots_n.push_back(static_cast<double>(n)), slots_bytes.push_back(static_cast<double>(r.pointer.back().ring.state_bytes));
  }
  if (slots_n.size() >= 2) r.ring_slots_fit = fit_line(slots_n, slots_bytes);

  const LocalDpConstruction interleaved{Format::Interleaved, m, p, r.window, 1};
  for (int64_t n : sizes) {
    progress.update(done, "interleaved T = " + std::to_string(tokens_of(n)));
    r.interleaved.push_back({tokens_of(n), n, check_construction(interleaved, n, o.examples, o.seed),
                             live_state_bytes(interleaved, n, o.seed)});
    ++done;
  }
  for (int64_t n = 1; n <= max_n; ++n) {
    progress.update(done, "prefix at K = " + std::to_string(r.window) + ", n = " + std::to_string(n));
    const LocalDpConstruction c{Format::Prefix, m, p, r.window, n};
    r.prefix_fixed.push_back({n, r.window, check_construction(c, n, o.examples, o.seed),
                              build_local_dp_mamba(c)->state_bytes(tokens_of(n))});
    ++done;
  }
  std::vector<double> xs, ys;
  for (int64_t n = 1; n <= max_n; ++n) {
    progress.update(done, "prefix smallest state, n = " + std::to_string(n));
    r.smallest.push_back(smallest_prefix_state(m, p, n, o.examples, o.seed, prefix_window(n) + m));
    if (r.smallest.back().window > 0)
      xs.push_back(static_cast<double>(n)), ys.push_back(static_cast<double>(r.smallest.back().state_bytes));
    ++done;
  }
  progress.finish();
  if (xs.size() >= 2) r.smallest_fit = fit_line(xs, ys);

  const Table tables[] = {ring_table(o, r), pointer_table(o, r), interleaved_table(o, r), prefix_fixed_table(r),
                          smallest_table(r)};
  const char* csv_names[] = {"ssm_ring.csv", "pointer_dp_smallest_state.csv", "interleaved.csv",
                             "prefix_fixed_window.csv", "prefix_smallest_state.csv"};
  std::string markdown = "# local_dp by construction (freelunch theory local-dp)\n\nm = " + std::to_string(m) +
                         ", p = " + std::to_string(p) + ", " + std::to_string(o.examples) +
                         " distinct problems per length, seed " + std::to_string(o.seed) +
                         ". Mechanism and definitions: docs/THEORY.md, \"Local DP through the SSM state\", "
                         "\"Theorem 4 by construction\" and \"The conv-window baseline\".\n\n";
  r.files.push_back(o.out_dir / "summary.md");
  for (size_t i = 0; i < std::size(tables); ++i) {
    r.report += (i ? "\n" : "") + tables[i].text();
    markdown += tables[i].markdown() + "\n";
    write_file_atomic(o.out_dir / csv_names[i], csv(tables[i].csv_header, tables[i].rows));
    r.files.push_back(o.out_dir / csv_names[i]);
  }
  r.report += "\n" + fit_text(o, r.smallest_fit) + ring_fit_text(r.ring_slots_fit);
  markdown += fit_text(o, r.smallest_fit) + ring_fit_text(r.ring_slots_fit);
  write_plots(o, r);
  write_file_atomic(o.out_dir / "summary.md", markdown);
  return r;
}

}  // namespace fl::theory
