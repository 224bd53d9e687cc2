// Section 3, DP with chain of thought (the paper's experiments; Feng et al.'s tasks). Cells:
// Mamba and Transformer (at matched parameter counts, as the sweep sets them) on lis,
// edit_distance and arithmetic at size task.n, answering directly (task.format = direct) or after
// the chain of thought (cot). Accuracy = the final answer right, by greedy generation when
// measured (the model writes its own chain), else teacher-forced; each cell's accuracy per seed
// with its evaluation-example count, shown as the mean with its 95% interval. Three parts, as the
// paper splits the finding: (1) with CoT the Transformer is consistently better than Mamba
// (verdict_consistently_better over the CoT cells); (2) answering directly, Mamba is sometimes
// better than the Transformer (verdict_sometimes_worse, Transformer below Mamba, over the direct
// cells); (3) Mamba with CoT is sometimes below Mamba answering directly (verdict_sometimes_worse),
// reported beside the Transformer's own CoT − direct difference as a control (shown, not judged).
//
// Four steps: the rows (one per done cell), gathered per problem (task, n) into the four columns
// Mamba / Transformer × direct / CoT; the table, the plots and the verdict from those problems.
#include <cmath>
#include <map>
#include <tuple>

#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"
#include "reproduce/section_parts.h"

namespace fl::reproduce {

namespace {

const std::vector<std::string> kTasks = {"lis", "edit_distance", "arithmetic"};

// One done DP cell.
struct DpRow {
  CellModel model;
  std::string task, format;  // format: "direct" or "cot"
  double n = NAN, accuracy = NAN, parameters = NAN;
  int64_t seed = 1, examples = 0;
};

// A column of the comparison: the side (Mamba, or a Transformer windowed or not) and the format.
using Column = std::pair<ModelFamily, std::string>;

std::vector<DpRow> dp_rows(const std::vector<CellRow>& done) {
  std::vector<DpRow> rows;
  for (const auto& c : done)
    rows.push_back({cell_model(c, done), text(c, "task.name", done), text(c, "task.format", done),
                    number(c, "task.n", done), answer_accuracy(c),
                    c.parameters ? static_cast<double>(*c.parameters) : NAN, cell_seed(c, done),
                    overall_examples(c)});
  return rows;
}

struct Problem {
  std::string task;
  double n;
  bool operator<(const Problem& o) const { return std::tie(task, n) < std::tie(o.task, o.n); }
  std::string name() const { return task + " n=" + number_text(n); }
};

// One problem's cells by (side, format), one per seed.
struct ProblemCells {
  std::map<Column, std::vector<DpRow>> by_column;
  DpRow at(ModelFamily side, const std::string& format) const {  // the first seed's row
    const auto it = by_column.find({side, format});
    return it == by_column.end() ? DpRow{} : it->second.front();
  }
  AccuracyRuns runs(ModelFamily side, const std::string& format) const {
    AccuracyRuns out;
    if (const auto it = by_column.find({side, format}); it != by_column.end())
      for (const auto& r : it->second) out.add(r.seed, r.accuracy, r.examples);
    return out;
  }
  // Parameters of a side's model: its CoT cell's, else its direct cell's.
  double parameters(ModelFamily side) const {
    const DpRow cot = at(side, "cot"), direct = at(side, "direct");
    return std::isnan(cot.parameters) ? direct.parameters : cot.parameters;
  }
};

struct DpGrid {
  std::map<Problem, ProblemCells> problems;
  std::map<ModelFamily, std::string> labels;  // side → model label (of the last row seen)
};

DpGrid dp_grid(const std::vector<DpRow>& rows) {
  DpGrid g;
  for (const auto& r : rows) {
    g.labels[r.model.family] = r.model.label;
    g.problems[{r.task, r.n}].by_column[{r.model.family, r.format}].push_back(r);
  }
  return g;
}

constexpr ModelFamily kMamba = ModelFamily::mamba, kTransformer = ModelFamily::transformer;
const Column kColumns[] = {{kMamba, "direct"}, {kMamba, "cot"}, {kTransformer, "direct"}, {kTransformer, "cot"}};

std::string column_name(const Column& column) {
  return (column.first == kMamba ? "Mamba " : "Transformer ") + column.second;
}

ReportTable accuracy_table(const DpGrid& g) {
  std::string models;
  for (const auto& [kind, label] : g.labels) models += (models.empty() ? "" : ", ") + label;
  ReportTable table{"final-answer accuracy (" + models +
                        "): mean over seeds with its 95% interval (Wilson for one run, t across seeds)",
                    {"task", "n"},
                    {}};
  for (const auto& column : kColumns) table.header.push_back(column_name(column));
  table.header.push_back("params Mamba");
  table.header.push_back("params Transformer");
  for (const auto& [problem, cells] : g.problems) {
    std::vector<std::string> line{problem.task, number_text(problem.n)};
    for (const auto& [kind, format] : kColumns) line.push_back(accuracy_cell(cells.runs(kind, format)));
    line.push_back(number_text(cells.parameters(kMamba)));
    line.push_back(number_text(cells.parameters(kTransformer)));
    table.rows.push_back(line);
  }
  return table;
}

// Accuracy against n for one task, a series per column that has cells.
LinePlot task_plot(const DpGrid& g, const std::string& task) {
  LinePlot plot{task + ": final-answer accuracy against size", "problem size n", "final-answer accuracy", false,
                false, {}};
  for (const auto& column : kColumns) {
    Series series{column_name(column), {}, {}};
    for (const auto& [problem, cells] : g.problems)
      if (const auto it = cells.by_column.find(column); problem.task == task && it != cells.by_column.end())
        series.x.push_back(problem.n), series.y.push_back(cells.runs(column.first, column.second).mean());
    if (!series.x.empty()) plot.series.push_back(series);
  }
  return plot;
}

void add_plots(ClaimSection& s, const DpGrid& g, const SectionContext& context) {
  for (const std::string& task : kTasks)
    if (const LinePlot plot = task_plot(g, task); !plot.series.empty())
      add_plot(s, plot, context.report_dir, "dp_cot_" + task,
               task + ": final-answer accuracy of Mamba and Transformer, direct and with CoT");
}

// CoT minus direct of one side per problem, as a table: the control beside part (3).
ReportTable cot_minus_direct_table(const DpGrid& g) {
  ReportTable table{"CoT − direct, final-answer accuracy in points (mean over seeds); the Transformer's is the "
                    "control for Mamba's",
                    {"task", "n", "Mamba CoT − direct", "Transformer CoT − direct"},
                    {}};
  for (const auto& [problem, cells] : g.problems) {
    std::vector<std::string> line{problem.task, number_text(problem.n)};
    for (const ModelFamily kind : {kMamba, kTransformer}) {
      const double gap = 100 * (cells.runs(kind, "cot").mean() - cells.runs(kind, "direct").mean());
      line.push_back(std::isnan(gap) ? "–" : formatted("%+.1f", gap));
    }
    table.rows.push_back(line);
  }
  return table;
}

// The matched cells of two columns, one per problem that has both.
std::vector<PairedScore> matched(const DpGrid& g, const Column& first, const Column& second) {
  std::vector<PairedScore> out;
  for (const auto& [problem, cells] : g.problems) {
    AccuracyRuns a = cells.runs(first.first, first.second), b = cells.runs(second.first, second.second);
    if (!a.empty() && !b.empty()) out.push_back({problem.name(), std::move(a), std::move(b)});
  }
  return out;
}

// (1) CoT: Transformer consistently better; (2) direct: Mamba sometimes better; (3) Mamba CoT
// sometimes below Mamba direct, with the Transformer's own CoT − direct test as the control.
ClaimVerdict dp_verdict(const DpGrid& g) {
  if (g.problems.empty()) return {ClaimOutcome::inconclusive, paper_claim("dp-cot").rule, "no finished DP cells"};
  ClaimVerdict cot_drop = verdict_sometimes_worse(matched(g, {kMamba, "cot"}, {kMamba, "direct"}), "Mamba CoT",
                                                  "Mamba direct");
  const PairedTest control = sign_flip_test(
      [&] {
        std::vector<double> d;
        for (const auto& c : matched(g, {kTransformer, "cot"}, {kTransformer, "direct"}))
          d.push_back(c.first.mean() - c.second.mean());
        return d;
      }());
  cot_drop.because += "; control, Transformer CoT − direct: " +
                      (control.pairs == 0 ? std::string("not measured")
                                          : formatted("%+.1f", 100 * control.mean_difference) + " points on average over " +
                                                std::to_string(control.pairs) + " problems, p = " +
                                                formatted("%.3g", control.p_value));
  return combine_verdicts(
      {labelled("CoT cells", verdict_consistently_better(matched(g, {kTransformer, "cot"}, {kMamba, "cot"}),
                                                         "Transformer", "Mamba")),
       labelled("direct cells", verdict_sometimes_worse(matched(g, {kTransformer, "direct"}, {kMamba, "direct"}),
                                                        "Transformer", "Mamba")),
       labelled("Mamba CoT vs direct", cot_drop)});
}


// The tasks the cells ran with their sizes: "lis n ∈ {8, 12}, arithmetic n ∈ {3}".
std::string task_sizes(const std::vector<CellRow>& done) {
  std::string out;
  for (const auto& task : kTasks) {
    std::vector<CellRow> of_task;
    for (const auto& c : done)
      if (text(c, "task.name", done) == task) of_task.push_back(c);
    if (!of_task.empty()) out += (out.empty() ? "" : ", ") + task + " n ∈ " + value_set(of_task, "task.n");
  }
  return out;
}

}  // namespace

ClaimSection dp_cot_section(const std::vector<CellRow>& cells, const SectionContext& context) {
  ClaimSection s = section_for_claim("dp-cot");
  const auto done = done_cells(cells, kTasks);
  s.experiment = experiment_summary(context.experiment, done, cells,
                                    "tasks " + task_sizes(done) + " × {direct, cot} × {Mamba, Transformer}",
                                    "Accuracy: the final answer right, by greedy generation through the step path "
                                    "when measured (the model writes its own chain of thought), else teacher-forced.");
  const DpGrid g = dp_grid(dp_rows(done));
  s.tables.push_back(accuracy_table(g));
  s.tables.push_back(cot_minus_direct_table(g));
  add_plots(s, g, context);
  s.verdict = dp_verdict(g);
  return s;
}

}  // namespace fl::reproduce
