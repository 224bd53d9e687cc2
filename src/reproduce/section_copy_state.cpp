// Section 1, COPY vs state size (Theorems 1–3). Cells: Mamba (several d_state, optionally several
// widths) and Transformers trained on copy (length = task.max_len: strings of 1 … L letters) or
// lookup (length = task.length), each judged at its own length L. For each length, the smallest
// d_state whose mean accuracy over seeds reached 95% (kAccuracyTarget); linear growth of those
// (Theorem 3) must beat logarithmic and exponential growth clearly (verdict_linear_size_growth),
// and the Transformer should copy at every length it was trained at (verdict_stays_accurate, on
// the mean). Other families (a hybrid) are shown beside the Transformers, not judged. Tables
// show the mean accuracy with its 95% interval (Wilson for one seed, t across seeds).
//
// What the state must hold: a Mamba's state is d_state × d_inner × n_layer values (d_inner =
// expand · d_model), 32 bits each as floats, against the L·log2 V bits of a string of L letters
// over V (task.vocab). Lengths L ≤ n_layer·(d_conv − 1) lie within the convolutions' reach: the
// model sees the whole string without any state, so those lengths say nothing about the state
// needed and are left out of the growth-law fit (the section's notes say which). Mamba cells are
// grouped by width, depth and d_conv (a d_conv = 1 family has no convolution reach).
//
// Four steps: the rows (one per done cell: model, task, L, accuracy at L), grouped per task into a
// TaskGrid; the tables, the plots and the verdict parts of each task from its grid.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/statistics.h"
#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"

namespace fl::reproduce {

namespace {

// One done copy or lookup cell.
struct CopyRow {
  CellModel model;
  std::string task;       // "copy" or "lookup"
  double length = NAN;    // L: task.max_len (copy) or task.length (lookup)
  double accuracy = NAN;  // whole-answer accuracy at L; the final accuracy when L was not evaluated
  int64_t seed = 1, examples = 0;  // evaluation examples behind `accuracy`
  double vocab = NAN;              // V = task.vocab
};

std::vector<CopyRow> copy_rows(const std::vector<CellRow>& done) {
  std::vector<CopyRow> rows;
  for (const auto& c : done) {
    CopyRow r{cell_model(c, done), text(c, "task.name", done)};
    r.length = number(c, r.task == "lookup" ? "task.length" : "task.max_len", done);
    r.accuracy = accuracy_at(c, static_cast<int64_t>(r.length), done);
    r.examples = examples_at(c, static_cast<int64_t>(r.length));
    if (std::isnan(r.accuracy)) r.accuracy = c.accuracy ? *c.accuracy : NAN, r.examples = overall_examples(c);
    r.seed = cell_seed(c, done);
    r.vocab = number(c, "task.vocab", done);
    rows.push_back(r);
  }
  return rows;
}

// Distinct values of a row field, sorted, NaN left out.
template <typename Field>
std::vector<double> distinct(const std::vector<CopyRow>& rows, Field field) {
  std::set<double> values;
  for (const auto& r : rows)
    if (!std::isnan(field(r))) values.insert(field(r));
  return {values.begin(), values.end()};
}

// Whether any of the rows was trained at this length.
bool ran_at(const std::vector<CopyRow>& rows, double length) {
  return std::any_of(rows.begin(), rows.end(), [&](const CopyRow& r) { return r.length == length; });
}

// "d32×2 K4": a Mamba group's width, depth and convolution taps.
std::string mamba_group(const CellModel& m) { return m.dims() + " K" + std::to_string(m.d_conv); }

// One task's rows: Mamba by width (and d_conv), the others by label, and the main (largest) Mamba
// group's smallest d_state reaching 95% per length.
struct TaskGrid {
  std::string task, width;  // width: the main Mamba group, "" when there is none
  std::vector<double> lengths;      // the main Mamba group's and the other models' lengths
  std::vector<double> all_lengths;  // every Mamba group's too (the per-group tables)
  std::vector<double> states;       // the main group's d_state values
  std::map<std::string, std::vector<CopyRow>> mamba_by_width;  // "d32×2 K4" → rows
  // Every model that is not Mamba, by label: Transformers (judged) and other families such as
  // hybrids (shown beside them, not judged).
  std::map<std::string, std::vector<CopyRow>> others;
  std::vector<SizeAtLength> smallest;                          // the main group's, per length
  int64_t reach = 0;  // the main group's convolution reach n_layer·(d_conv − 1)
  // The smallest d_state per length the main group ran beyond its reach: the points of the law fit.
  std::vector<SizeAtLength> fitted() const {
    std::vector<SizeAtLength> out;
    for (const auto& p : smallest) {
      if (ran_at(*mamba(), p.length) && p.length > static_cast<double>(reach)) out.push_back(p);
    }
    return out;
  }
  const std::vector<CopyRow>* mamba() const { return width.empty() ? nullptr : &mamba_by_width.at(width); }
  std::string length_name() const { return task == "lookup" ? "sequence length n" : "longest string L"; }
  std::string length_column() const { return task == "lookup" ? "n" : "L"; }
};

// Accuracy per seed of the rows with this length and (unless NaN) d_state; empty when absent.
AccuracyRuns find_runs(const std::vector<CopyRow>& group, double length, double d_state) {
  AccuracyRuns runs;
  for (const auto& r : group)
    if (r.length == length && (std::isnan(d_state) || r.model.d_state == d_state))
      runs.add(r.seed, r.accuracy, r.examples);
  return runs;
}
// Their mean accuracy over seeds; NaN when absent.
double find_accuracy(const std::vector<CopyRow>& group, double length, double d_state) {
  return find_runs(group, length, d_state).mean();
}

std::vector<SizeAtLength> smallest_states(const std::vector<CopyRow>& group, const std::vector<double>& lengths) {
  std::vector<SizeAtLength> points;
  for (double L : lengths) {
    SizeAtLength p{L, NAN};
    for (double N : distinct(group, [](const CopyRow& r) { return r.model.d_state; }))
      if (find_accuracy(group, L, N) >= kAccuracyTarget) {
        p.smallest_size = N;
        break;
      }
    points.push_back(p);
  }
  return points;
}

TaskGrid task_grid(const std::vector<CopyRow>& rows, const std::string& task) {
  TaskGrid g;
  g.task = task;
  std::vector<CopyRow> of_task;
  for (const auto& r : rows)
    if (r.task == task) of_task.push_back(r);
  for (const auto& r : of_task)
    (r.model.is_mamba() ? g.mamba_by_width[mamba_group(r.model)] : g.others[r.model.label]).push_back(r);
  const auto length_of = [](const CopyRow& r) { return r.length; };
  g.all_lengths = distinct(of_task, length_of);
  // The main group of Mamba cells: the most cells; ties: the widest (d_model × n_layer), then the
  // first by name.
  size_t most = 0;
  int64_t widest = 0;
  for (const auto& [label, group] : g.mamba_by_width) {
    const int64_t size = group.front().model.width * group.front().model.depth;
    if (g.width.empty() || group.size() > most || (group.size() == most && size > widest))
      g.width = label, most = group.size(), widest = size;
  }
  std::vector<CopyRow> shown;  // the main group's and the other models' rows
  if (const auto* mamba = g.mamba()) shown = *mamba;
  for (const auto& [label, rows] : g.others) shown.insert(shown.end(), rows.begin(), rows.end());
  g.lengths = distinct(shown, length_of);
  if (const auto* mamba = g.mamba()) {
    g.states = distinct(*mamba, [](const CopyRow& r) { return r.model.d_state; });
    g.smallest = smallest_states(*mamba, g.lengths);
    g.reach = mamba->front().model.reach();
  }
  return g;
}

// Accuracy table: length × (d_state …, other models …, smallest d_state).
ReportTable accuracy_table(const TaskGrid& g) {
  ReportTable table{g.task + ": whole-answer accuracy at the training length (" + g.length_name() + "); Mamba " +
                        g.width + "; mean over seeds with its 95% interval (Wilson for one run, t across seeds)",
                    {g.length_column()},
                    {}};
  for (double N : g.states) table.header.push_back("Mamba N=" + number_text(N));
  for (const auto& [label, rows] : g.others) table.header.push_back(label);
  table.header.push_back("smallest N ≥ 95%");
  for (size_t i = 0; i < g.lengths.size(); ++i) {
    const double L = g.lengths[i];
    std::vector<std::string> row{number_text(L)};
    for (double N : g.states) row.push_back(accuracy_cell(find_runs(*g.mamba(), L, N)));
    for (const auto& [label, rows] : g.others) row.push_back(accuracy_cell(find_runs(rows, L, NAN)));
    row.push_back(!g.mamba() ? "–"
                  : number_text(g.smallest[i].smallest_size) +
                        (L <= static_cast<double>(g.reach) ? " (within conv reach)" : ""));
    table.rows.push_back(row);
  }
  return table;
}

// Per Mamba cell (group, d_state, length; seeds together): its state against the information in
// the string it must copy, and whether the convolutions alone already reach back over the string.
ReportTable capacity_table(const TaskGrid& g) {
  ReportTable table{g.task + ": Mamba state against the information to copy: state values d_state × d_inner × "
                        "n_layer (d_inner = expand · d_model), as bits at 32 per float, against L·log2 V bits of a "
                        "string of L letters over V (task.vocab); within conv reach: L ≤ n_layer·(d_conv − 1), "
                        "no state needed",
                    {g.length_column(), "Mamba", "d_state", "state values", "state bits", "string bits L·log2 V",
                     "state / string bits", "within conv reach"},
                    {}};
  for (double L : g.all_lengths)
    for (const auto& [group, rows] : g.mamba_by_width)
      for (double N : distinct(rows, [](const CopyRow& r) { return r.model.d_state; }))
        for (const auto& r : rows)
          if (r.length == L && r.model.d_state == N) {
            const CellModel& m = r.model;
            const double values = N * m.expand * static_cast<double>(m.width * m.depth);
            const double string_bits = L * std::log2(r.vocab);
            table.rows.push_back({number_text(L), group, number_text(N), number_text(values),
                                  number_text(32 * values), number_text(string_bits),
                                  number_text(32 * values / string_bits),
                                  L <= static_cast<double>(m.reach()) ? "yes" : "no"});
            break;
          }
  return table;
}

// The lengths of the main Mamba group within its convolutions' reach, left out of the law fit.
std::string reach_note(const TaskGrid& g) {
  if (!g.mamba()) return "";
  std::string within;
  for (double L : g.lengths)
    if (L <= static_cast<double>(g.reach)) within += (within.empty() ? "" : ", ") + number_text(L);
  const std::string reach = "n_layer·(d_conv − 1) = " + std::to_string(g.reach) + " tokens of Mamba " + g.width;
  return within.empty() ? g.task + ": every length lies beyond the convolutions' reach (" + reach + ")."
                        : g.task + ": the lengths " + g.length_column() + " ∈ {" + within +
                              "} lie within the convolutions' reach (" + reach +
                              "): no state is needed to copy them, so they are left out of the growth-law fit.";
}

// Smallest d_state per length for every Mamba width (only when there are several); "–" when no
// d_state of the group reached 95% there, "not run" when the group has no cell at that length.
ReportTable widths_table(const TaskGrid& g) {
  ReportTable table{g.task + ": smallest d_state reaching 95%, by Mamba width, depth and d_conv (K); – = none of "
                        "the group's d_state reached it",
                    {g.length_column()},
                    {}};
  for (const auto& [label, rows] : g.mamba_by_width) table.header.push_back("Mamba " + label);
  for (double L : g.all_lengths) {
    std::vector<std::string> row{number_text(L)};
    for (const auto& [label, rows] : g.mamba_by_width) {
      row.push_back(ran_at(rows, L) ? number_text(smallest_states(rows, {L}).front().smallest_size) : "not run");
    }
    table.rows.push_back(row);
  }
  return table;
}

// Accuracy against length of the rows with this d_state (NaN: any), as a named series.
Series accuracy_series(const std::string& name, const std::vector<CopyRow>& rows, const std::vector<double>& lengths,
                       double d_state) {
  Series series{name, lengths, {}};
  for (double L : lengths) series.y.push_back(find_accuracy(rows, L, d_state));
  return series;
}

// A series per Mamba d_state of the main width and per other model.
LinePlot accuracy_plot(const TaskGrid& g) {
  const std::string title = "COPY (" + g.task + ") accuracy vs length";
  LinePlot plot{title, g.length_name() + " (tokens)", "whole-answer accuracy", false, false, {}};
  for (double N : g.states)
    plot.series.push_back(accuracy_series("Mamba N=" + number_text(N), *g.mamba(), g.lengths, N));
  for (const auto& [label, rows] : g.others)
    plot.series.push_back(accuracy_series(label, rows, g.lengths, NAN));
  return plot;
}

// Points per Mamba width: the smallest d_state reaching 95% (mean over seeds) per length; the main width's
// linear, logarithmic and exponential fits.
LinePlot smallest_plot(const TaskGrid& g) {
  LinePlot plot{"COPY (" + g.task + "): smallest Mamba d_state reaching 95%",
                g.length_name() + " (tokens)",
                "smallest d_state N (state floats per channel)",
                false,
                false,
                {}};
  for (const auto& [label, rows] : g.mamba_by_width) {
    Series series{"Mamba " + label, {}, {}, SeriesStyle::points};
    for (const auto& p : smallest_states(rows, g.lengths))
      series.x.push_back(p.length), series.y.push_back(p.smallest_size);
    plot.series.push_back(series);
  }
  std::vector<double> xs, ys;
  for (const auto& p : g.fitted()) xs.push_back(p.length), ys.push_back(p.smallest_size);
  const SizeLawComparison laws = compare_size_laws(xs, ys);
  for (const auto& fit : laws.fits) {  // the three laws the verdict compares (none with < 3 points)
    Series curve{std::string(to_string(fit.law)) + " fit (Mamba " + g.width + ")", g.lengths, {}, SeriesStyle::line};
    for (double L : g.lengths)
      curve.y.push_back(fit.law == SizeLaw::linear        ? fit.a + fit.b * L
                        : fit.law == SizeLaw::logarithmic ? fit.a + fit.b * std::log(L)
                                                          : std::exp(fit.a + fit.b * L));
    plot.series.push_back(curve);
  }
  return plot;
}

// Every Transformer stays accurate at every length; the main Mamba's smallest d_state grows linearly.
std::vector<ClaimVerdict> task_verdicts(const TaskGrid& g) {
  std::vector<ClaimVerdict> parts;
  for (const auto& [label, rows] : g.others) {
    if (rows.front().model.family != ModelFamily::transformer) continue;  // shown, not judged
    std::vector<AccuracyAtSize> points;  // at the lengths the Transformer was trained at
    for (double L : g.lengths)
      if (AccuracyRuns runs = find_runs(rows, L, NAN); !runs.empty()) points.push_back({L, std::move(runs)});
    parts.push_back(verdict_stays_accurate(points, label + " on " + g.task));
  }
  if (g.mamba()) parts.push_back(verdict_linear_size_growth(g.fitted(), "Mamba " + g.width + " d_state on " + g.task));
  return parts;
}

void add_task(ClaimSection& s, const TaskGrid& g, const SectionContext& context) {
  s.tables.push_back(accuracy_table(g));
  if (g.mamba()) s.tables.push_back(capacity_table(g));
  if (g.mamba_by_width.size() > 1) s.tables.push_back(widths_table(g));
  s.experiment.notes = join_notes({s.experiment.notes, reach_note(g)});
  add_plot(s, accuracy_plot(g), context.report_dir, "copy_state_" + g.task + "_accuracy",
           "COPY (" + g.task + "): accuracy against length, per Mamba d_state and per other model");
  if (g.mamba())
    add_plot(s, smallest_plot(g), context.report_dir, "copy_state_" + g.task + "_smallest",
             "COPY (" + g.task + "): smallest d_state reaching 95% against length, with the linear, logarithmic and "
                 "exponential fits the verdict compares");
}

}  // namespace

ClaimSection copy_state_section(const std::vector<CellRow>& cells, const SectionContext& context) {
  ClaimSection s = section_for_claim("copy-state");
  const auto done = done_cells(cells, {"copy", "lookup"});
  std::vector<CellRow> mamba_cells;  // the d_state a Transformer cell carries is only the key's default
  bool others = false;               // cells of a family neither Mamba nor Transformer (hybrid, Mamba-2, …)
  for (const auto& c : done) {
    const CellModel m = cell_model(c, done);
    if (m.is_mamba()) mamba_cells.push_back(c);
    others = others || (!m.is_mamba() && m.family != ModelFamily::transformer);
  }
  s.experiment = experiment_summary(context.experiment, done, cells,
                                    "Mamba d_state ∈ " + value_set(mamba_cells, "model.d_state") + " × longest string L ∈ " +
                                        value_set(done, "task.max_len") +
                                        ", and Transformers" +
                                        std::string(others ? " (and the other families — hybrid, Mamba-2, linear "
                                                             "attention, LSTM — shown, not judged)"
                                                           : "") +
                                        "; each cell trained on strings of up to its L "
                                        "and judged at length L",
                                    "Accuracy: the whole copied string right (generated when measured, else "
                                    "teacher-forced).");
  const std::vector<CopyRow> rows = copy_rows(done);
  std::vector<ClaimVerdict> parts;
  for (const char* task : {"copy", "lookup"}) {
    const TaskGrid g = task_grid(rows, task);
    if (g.lengths.empty()) continue;
    add_task(s, g, context);
    for (auto& v : task_verdicts(g)) parts.push_back(std::move(v));
  }
  s.verdict = parts.empty() ? ClaimVerdict{ClaimOutcome::inconclusive, paper_claim("copy-state").rule,
                                           "no finished copy or lookup cells"}
                            : combine_verdicts(parts);
  return s;
}

}  // namespace fl::reproduce
