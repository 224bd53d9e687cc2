#include "theory/local_dp_theory.h"

#include <cmath>
#include <iterator>
#include <sstream>
#include <system_error>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "eval/eval_set.h"
#include "infer/step_engine.h"
#include "report/plot.h"
#include "report/table.h"

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
  Table t{"interleaved '$ s_1 dp_1 ... s_n dp_n .', m = " + std::to_string(o.locality) + ", p = " +
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
  Table t{"prefix '$ s_1 ... s_n | dp_1 ... dp_n .' at the same window K = " + std::to_string(r.window) + ", Di = " +
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
  Table t{"prefix, smallest state that is exact on every example of size n (window searched from K = 1; Di = " +
              std::to_string(r.prefix_channels) + ")",
          {"n", "smallest K", "state bytes", "exact at K-1", "bound n*log2(p) bits"},
          {"n", "smallest_window", "state_bytes", "whole_at_window_minus_1", "bound_bits"},
          {}};
  for (const auto& row : r.smallest)
    t.rows.push_back({std::to_string(row.n), std::to_string(row.window), std::to_string(row.state_bytes),
                      pct(row.whole_below), fixed(row.bound_bits, 1)});
  return t;
}

std::string fit_text(const LocalDpTheoryOptions& o, const LinearFit& f) {
  std::ostringstream out;
  out << "prefix smallest state = " << fixed(f.intercept, 1) << " + " << fixed(f.slope, 1)
      << " * n bytes (least squares, R^2 = " << fixed(f.r_squared, 6) << "); any recurrent state needs n*log2(" << o.modulus
      << ") = " << fixed(std::log2(static_cast<double>(o.modulus)), 3) << " * n bits\n";
  return out.str();
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
  const std::string K = std::to_string(r.window);
  Series gen{"interleaved (K = " + K + "): generated chain exact", {}, {}};
  Series tf{"interleaved: teacher-forced exact", {}, {}, SeriesStyle::points};
  Series prefix{"prefix at the same K = " + K + ": generated exact", {}, {}};
  for (const auto& row : r.interleaved) {
    gen.x.push_back(static_cast<double>(row.tokens)), gen.y.push_back(row.accuracy.gen.whole);
    tf.x.push_back(static_cast<double>(row.tokens)), tf.y.push_back(row.accuracy.tf.whole);
  }
  for (const auto& row : r.prefix_fixed)
    prefix.x.push_back(static_cast<double>(tokens_of(row.n))), prefix.y.push_back(row.accuracy.gen.whole);
  LinePlot exact{"local_dp by construction: exactness vs length", "sequence length T (tokens)",
                 "fraction of sequences exact", true, false, {gen, tf, prefix}};
  add_plot(exact, o.out_dir / "exactness_vs_T", r);

  Series constant{"interleaved construction (K = " + K + "), live state", {}, {}};
  Series growing{"prefix: smallest exact state (T = 2n + 2)", {}, {}};
  for (const auto& row : r.interleaved)
    constant.x.push_back(static_cast<double>(row.tokens)), constant.y.push_back(static_cast<double>(row.state_bytes));
  for (const auto& row : r.smallest)
    if (row.window > 0)
      growing.x.push_back(static_cast<double>(tokens_of(row.n))), growing.y.push_back(static_cast<double>(row.state_bytes));
  LinePlot bytes{"local_dp by construction: state vs length", "sequence length T (tokens)", "state (bytes)", true,
                 true, {constant, growing}};
  add_plot(bytes, o.out_dir / "state_bytes_vs_T", r);

  Series found{"smallest exact state", {}, {}, SeriesStyle::points};
  Series below{"one window slot less: fails", {}, {}, SeriesStyle::points};
  Series line{"fit " + fixed(r.smallest_fit.intercept, 0) + " + " + fixed(r.smallest_fit.slope, 0) + " n", {}, {},
              SeriesStyle::line};
  Series bound{"information bound n log2(p) bits", {}, {}, SeriesStyle::line};
  for (const auto& row : r.smallest) {
    if (row.window == 0) continue;
    const double n = static_cast<double>(row.n), slot = static_cast<double>(4 * r.prefix_channels);
    found.x.push_back(n), found.y.push_back(static_cast<double>(row.state_bytes));
    below.x.push_back(n), below.y.push_back(static_cast<double>(row.state_bytes) - slot);
    line.x.push_back(n), line.y.push_back(r.smallest_fit.intercept + r.smallest_fit.slope * n);
    bound.x.push_back(n), bound.y.push_back(row.bound_bits / 8.0);
  }
  LinePlot smallest{"prefix format: smallest state vs n", "problem size n (steps)", "state (bytes)", false, false,
                    {found, below, line, bound}};
  add_plot(smallest, o.out_dir / "prefix_smallest_state_vs_n", r);
}

}  // namespace

void validate(const LocalDpTheoryOptions& o) {
  const auto in = [](int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  require(in(o.locality, 1, 1000), "--m = " + std::to_string(o.locality) + " must be in 1..1000");
  require(in(o.modulus, 2, 100), "--modulus = " + std::to_string(o.modulus) +
                                     " must be in 2..100 (the prefix construction has about p^2 channels)");
  require(in(o.max_tokens, 4, 200000),
          "--max-t = " + std::to_string(o.max_tokens) + " must be in 4..200000 (T = 2n + 2 tokens, n >= 1)");
  require(in(o.max_prefix_n, 2, 64), "--max-n = " + std::to_string(o.max_prefix_n) + " must be in 2..64");
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
  auto model = build_local_dp_mamba(c);
  Rng rng(seed, kStreamEvalData);
  const Example ex = task_of(c, n).sample_at(rng, n);
  const StepEngine engine(model);
  StepState state = engine.make_state(1);
  std::vector<float> logits(engine.vocab_size());  // (V)
  for (int32_t token : ex.tokens) {
    const int64_t id = token;
    engine.step(&id, state, logits.data());
  }
  return engine.state_bytes(state);
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
  Progress progress("theory local-dp", static_cast<int64_t>(sizes.size()) + 2 * max_n, o.progress);
  int64_t done = 0;

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

  const Table tables[] = {interleaved_table(o, r), prefix_fixed_table(r), smallest_table(r)};
  const char* csv_names[] = {"interleaved.csv", "prefix_fixed_window.csv", "prefix_smallest_state.csv"};
  std::string markdown = "# local_dp by construction (freelunch theory local-dp)\n\nm = " + std::to_string(m) +
                         ", p = " + std::to_string(p) + ", " + std::to_string(o.examples) +
                         " distinct problems per length, seed " + std::to_string(o.seed) +
                         ". Mechanism and definitions: docs/THEORY.md, \"Local DP by construction\".\n\n";
  r.files.push_back(o.out_dir / "summary.md");
  for (size_t i = 0; i < std::size(tables); ++i) {
    r.report += (i ? "\n" : "") + tables[i].text();
    markdown += tables[i].markdown() + "\n";
    write_file_atomic(o.out_dir / csv_names[i], csv(tables[i].csv_header, tables[i].rows));
    r.files.push_back(o.out_dir / csv_names[i]);
  }
  r.report += "\n" + fit_text(o, r.smallest_fit);
  markdown += fit_text(o, r.smallest_fit);
  write_plots(o, r);
  write_file_atomic(o.out_dir / "summary.md", markdown);
  return r;
}

}  // namespace fl::theory
