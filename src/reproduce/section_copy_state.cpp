// Section 1, COPY vs state size (Theorems 1–3). Cells: Mamba (several d_state, optionally several
// widths) and Transformers trained on copy (length = task.max_len: strings of 1 … L letters) or
// lookup (length = task.length), each judged at its own length L. For each length, the smallest
// d_state whose accuracy reached 95% (kAccuracyTarget); a line through those is the linear growth
// Theorem 3 predicts (verdict_linear_size_growth), and the Transformer should copy at every length
// (verdict_stays_accurate).
#include <cmath>
#include <map>

#include "core/statistics.h"
#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"

namespace fl::reproduce {

namespace {

std::string length_key(const std::string& task) { return task == "lookup" ? "task.length" : "task.max_len"; }

// Accuracy of a cell at its own length L.
double accuracy_at_length(const CellRow& c, const std::vector<CellRow>& cells) {
  const double L = number(c, length_key(text(c, "task.name", cells)), cells);
  const double at = accuracy_at(c, static_cast<int64_t>(L), cells);
  return std::isnan(at) ? (c.accuracy ? *c.accuracy : NAN) : at;
}

// One task's cells, by model label then length.
struct TaskGrid {
  std::map<std::string, std::vector<CellRow>> mamba_by_width;  // "d32×2" → cells
  std::map<std::string, std::vector<CellRow>> transformers;    // model label → cells
  std::vector<double> lengths;
};

TaskGrid task_grid(const std::vector<CellRow>& done, const std::string& task) {
  TaskGrid g;
  std::vector<CellRow> of_task;
  for (const auto& c : done)
    if (text(c, "task.name", done) == task) of_task.push_back(c);
  for (const auto& c : of_task) {
    const auto integer = [&](const std::string& k) { return std::to_string(static_cast<int64_t>(number(c, k, done))); };
    if (model_kind(c, done) == "mamba")
      g.mamba_by_width["d" + integer("model.d_model") + "×" + integer("model.n_layer")].push_back(c);
    else
      g.transformers[model_label(c, done)].push_back(c);
  }
  g.lengths = distinct_numbers(of_task, length_key(task));
  return g;
}

// Accuracy of the cell with this length and (for Mamba) d_state; NaN when absent.
double find_accuracy(const std::vector<CellRow>& group, const std::string& task, double length, double d_state,
                     const std::vector<CellRow>& done) {
  for (const auto& c : group)
    if (number(c, length_key(task), done) == length &&
        (std::isnan(d_state) || number(c, "model.d_state", done) == d_state))
      return accuracy_at_length(c, done);
  return NAN;
}

std::vector<SizeAtLength> smallest_states(const std::vector<CellRow>& group, const std::string& task,
                                          const std::vector<double>& lengths, const std::vector<CellRow>& done) {
  std::vector<SizeAtLength> points;
  for (double L : lengths) {
    SizeAtLength p{L, NAN};
    for (double N : distinct_numbers(group, "model.d_state"))
      if (find_accuracy(group, task, L, N, done) >= kAccuracyTarget) {
        p.smallest_size = N;
        break;
      }
    points.push_back(p);
  }
  return points;
}

// The widest group of Mamba cells (most cells; ties: the first by name) is the main one.
const std::vector<CellRow>* main_group(const std::map<std::string, std::vector<CellRow>>& groups, std::string& name) {
  const std::vector<CellRow>* best = nullptr;
  for (const auto& [label, cells] : groups)
    if (!best || cells.size() > best->size()) best = &cells, name = label;
  return best;
}

void add_task(ClaimSection& s, const std::vector<CellRow>& done, const std::string& task, const SectionContext& context,
              std::vector<ClaimVerdict>& parts) {
  const TaskGrid g = task_grid(done, task);
  if (g.lengths.empty()) return;
  std::string width;
  const auto* mamba = main_group(g.mamba_by_width, width);
  const std::string length_name = task == "lookup" ? "sequence length n" : "longest string L";

  // Accuracy table: length × (d_state …, transformers …, smallest d_state).
  ReportTable table{task + ": whole-answer accuracy at the training length (" + length_name + "); Mamba " + width,
                    {task == "lookup" ? "n" : "L"},
                    {}};
  const std::vector<double> states = mamba ? distinct_numbers(*mamba, "model.d_state") : std::vector<double>{};
  for (double N : states) table.header.push_back("Mamba N=" + number_text(N));
  for (const auto& [label, cells] : g.transformers) table.header.push_back(label);
  table.header.push_back("smallest N ≥ 95%");
  const auto smallest = mamba ? smallest_states(*mamba, task, g.lengths, done) : std::vector<SizeAtLength>{};
  LinePlot accuracy{
      "COPY (" + task + ") accuracy vs length", length_name + " (tokens)", "whole-answer accuracy", false, false, {}};
  for (size_t i = 0; i < g.lengths.size(); ++i) {
    const double L = g.lengths[i];
    std::vector<std::string> row{number_text(L)};
    for (double N : states) row.push_back(percent(find_accuracy(*mamba, task, L, N, done)));
    for (const auto& [label, cells] : g.transformers) row.push_back(percent(find_accuracy(cells, task, L, NAN, done)));
    row.push_back(mamba ? number_text(smallest[i].smallest_size) : "–");
    table.rows.push_back(row);
  }
  s.tables.push_back(table);
  for (double N : states) {
    Series series{"Mamba N=" + number_text(N), g.lengths, {}};
    for (double L : g.lengths) series.y.push_back(find_accuracy(*mamba, task, L, N, done));
    accuracy.series.push_back(series);
  }
  for (const auto& [label, cells] : g.transformers) {
    Series series{label, g.lengths, {}};
    for (double L : g.lengths) series.y.push_back(find_accuracy(cells, task, L, NAN, done));
    accuracy.series.push_back(series);
    std::vector<AccuracyAtSize> points;
    for (size_t i = 0; i < g.lengths.size(); ++i) points.push_back({g.lengths[i], series.y[i]});
    parts.push_back(verdict_stays_accurate(points, label + " on " + task));
  }
  add_plot(s, accuracy, context.report_dir, ("copy_state_" + task + "_accuracy"),
           "COPY (" + task + "): accuracy against length, per Mamba d_state and Transformer");
  if (!mamba) return;

  // Smallest d_state per length, every width, with the main width's line.
  LinePlot needed{"COPY (" + task + "): smallest Mamba d_state reaching 95%",
                  length_name + " (tokens)",
                  "smallest d_state N (state floats per channel)",
                  false,
                  false,
                  {}};
  if (g.mamba_by_width.size() > 1) {
    ReportTable widths{task + ": smallest d_state reaching 95%, by Mamba width", {task == "lookup" ? "n" : "L"}, {}};
    std::vector<std::vector<SizeAtLength>> per_width;
    for (const auto& [label, cells] : g.mamba_by_width) {
      widths.header.push_back("Mamba " + label);
      per_width.push_back(smallest_states(cells, task, g.lengths, done));
    }
    for (size_t i = 0; i < g.lengths.size(); ++i) {
      std::vector<std::string> row{number_text(g.lengths[i])};
      for (const auto& points : per_width) row.push_back(number_text(points[i].smallest_size));
      widths.rows.push_back(row);
    }
    s.tables.push_back(widths);
  }
  for (const auto& [label, cells] : g.mamba_by_width) {
    Series series{"Mamba " + label, {}, {}, SeriesStyle::points};
    for (const auto& p : smallest_states(cells, task, g.lengths, done))
      series.x.push_back(p.length), series.y.push_back(p.smallest_size);
    needed.series.push_back(series);
  }
  std::vector<double> xs, ys;
  for (const auto& p : smallest) xs.push_back(p.length), ys.push_back(p.smallest_size);
  const LinearFit fit = fit_line(xs, ys);
  if (fit.valid()) {
    Series line{"least-squares line (Mamba " + width + ")", g.lengths, {}, SeriesStyle::line};
    for (double L : g.lengths) line.y.push_back(fit.intercept + fit.slope * L);
    needed.series.push_back(line);
  }
  add_plot(s, needed, context.report_dir, ("copy_state_" + task + "_smallest"),
           "COPY (" + task + "): smallest d_state reaching 95% against length, with the linear fit");
  ClaimVerdict v = verdict_linear_size_growth(smallest, "Mamba " + width + " d_state on " + task);
  parts.push_back(v);
}

}  // namespace

ClaimSection copy_state_section(const std::vector<CellRow>& cells, const SectionContext& context) {
  ClaimSection s = section_for_claim("copy-state");
  const auto done = done_cells(cells, {"copy", "lookup"});
  s.experiment = experiment_summary(context.experiment, done, cells,
                                    "Mamba d_state ∈ " + value_set(done, "model.d_state") + " × longest string L ∈ " +
                                        value_set(done, "task.max_len") +
                                        ", and Transformers; each cell trained on strings of up to its L "
                                        "and judged at length L",
                                    "Accuracy: the whole copied string right (generated when measured, else "
                                    "teacher-forced).");
  std::vector<ClaimVerdict> parts;
  for (const char* task : {"copy", "lookup"}) add_task(s, done, task, context, parts);
  s.verdict = parts.empty() ? ClaimVerdict{ClaimOutcome::inconclusive, paper_claim("copy-state").rule,
                                           "no finished copy or lookup cells"}
                            : combine_verdicts(parts);
  return s;
}

}  // namespace fl::reproduce
