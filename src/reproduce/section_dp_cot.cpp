// Section 3, DP with chain of thought (the paper's experiments; Feng et al.'s tasks). Cells:
// Mamba and Transformer (at matched parameter counts, as the sweep sets them) on lis,
// edit_distance and arithmetic at size task.n, answering directly (task.format = direct) or after
// the chain of thought (cot). Accuracy = the final answer right, by greedy generation when
// measured (the model writes its own chain), else teacher-forced. Two parts: the Transformer
// beats Mamba over the matched (task, n, format) cells (verdict_consistently_better), and Mamba
// with CoT is sometimes below Mamba answering directly (verdict_sometimes_worse).
//
// Four steps: the rows (one per done cell), gathered per problem (task, n) into the four columns
// Mamba / Transformer × direct / CoT; the table, the plots and the verdict from those problems.
#include <cmath>
#include <map>
#include <tuple>

#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"

namespace fl::reproduce {

namespace {

const std::vector<std::string> kTasks = {"lis", "edit_distance", "arithmetic"};

// One done DP cell.
struct DpRow {
  CellModel model;
  std::string task, format;  // format: "direct" or "cot"
  double n = NAN, accuracy = NAN, parameters = NAN;
};

// The side of the comparison a model is on: "mamba", or "transformer" (windowed or not).
std::string side(const CellModel& model) { return model.is_mamba() ? "mamba" : "transformer"; }

std::vector<DpRow> dp_rows(const std::vector<CellRow>& done) {
  std::vector<DpRow> rows;
  for (const auto& c : done)
    rows.push_back({cell_model(c, done), text(c, "task.name", done), text(c, "task.format", done),
                    number(c, "task.n", done), answer_accuracy(c),
                    c.parameters ? static_cast<double>(*c.parameters) : NAN});
  return rows;
}

struct Problem {
  std::string task;
  double n;
  bool operator<(const Problem& o) const { return std::tie(task, n) < std::tie(o.task, o.n); }
  std::string name() const { return task + " n=" + number_text(n); }
};

// One problem's cells by (side, format); the last cell of a pair wins.
struct ProblemCells {
  std::map<std::pair<std::string, std::string>, DpRow> by_column;
  DpRow at(const std::string& side, const std::string& format) const {
    const auto it = by_column.find({side, format});
    return it == by_column.end() ? DpRow{} : it->second;
  }
  // Parameters of a side's model: its CoT cell's, else its direct cell's.
  double parameters(const std::string& side) const {
    const DpRow cot = at(side, "cot"), direct = at(side, "direct");
    return std::isnan(cot.parameters) ? direct.parameters : cot.parameters;
  }
};

struct DpGrid {
  std::map<Problem, ProblemCells> problems;
  std::map<std::string, std::string> labels;  // side → model label (of the last row seen)
};

DpGrid dp_grid(const std::vector<DpRow>& rows) {
  DpGrid g;
  for (const auto& r : rows) {
    g.labels[side(r.model)] = r.model.label;
    g.problems[{r.task, r.n}].by_column[{side(r.model), r.format}] = r;
  }
  return g;
}

const std::pair<std::string, std::string> kColumns[] = {
    {"mamba", "direct"}, {"mamba", "cot"}, {"transformer", "direct"}, {"transformer", "cot"}};

std::string column_name(const std::pair<std::string, std::string>& column) {
  return (column.first == "mamba" ? "Mamba " : "Transformer ") + column.second;
}

ReportTable accuracy_table(const DpGrid& g) {
  std::string models;
  for (const auto& [kind, label] : g.labels) models += (models.empty() ? "" : ", ") + label;
  ReportTable table{"final-answer accuracy (" + models + ")", {"task", "n"}, {}};
  for (const auto& column : kColumns) table.header.push_back(column_name(column));
  table.header.push_back("params Mamba");
  table.header.push_back("params Transformer");
  for (const auto& [problem, cells] : g.problems) {
    std::vector<std::string> line{problem.task, number_text(problem.n)};
    for (const auto& [kind, format] : kColumns) line.push_back(percent(cells.at(kind, format).accuracy));
    line.push_back(number_text(cells.parameters("mamba")));
    line.push_back(number_text(cells.parameters("transformer")));
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
        series.x.push_back(problem.n), series.y.push_back(it->second.accuracy);
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

// Transformer against Mamba per problem and format; Mamba with CoT against Mamba direct per problem.
ClaimVerdict dp_verdict(const DpGrid& g) {
  if (g.problems.empty()) return {ClaimOutcome::inconclusive, paper_claim("dp-cot").rule, "no finished DP cells"};
  std::vector<PairedScore> transformer_vs_mamba, cot_vs_direct;
  for (const auto& [problem, cells] : g.problems) {
    for (const char* format : {"direct", "cot"}) {
      const double t = cells.at("transformer", format).accuracy, m = cells.at("mamba", format).accuracy;
      if (!std::isnan(t) && !std::isnan(m)) transformer_vs_mamba.push_back({problem.name() + " " + format, t, m});
    }
    const double cot = cells.at("mamba", "cot").accuracy, direct = cells.at("mamba", "direct").accuracy;
    if (!std::isnan(cot) && !std::isnan(direct)) cot_vs_direct.push_back({problem.name(), cot, direct});
  }
  return combine_verdicts({verdict_consistently_better(transformer_vs_mamba, "Transformer", "Mamba"),
                           verdict_sometimes_worse(cot_vs_direct, "Mamba CoT", "Mamba direct")});
}

}  // namespace

ClaimSection dp_cot_section(const std::vector<CellRow>& cells, const SectionContext& context) {
  ClaimSection s = section_for_claim("dp-cot");
  const auto done = done_cells(cells, kTasks);
  s.experiment = experiment_summary(context.experiment, done, cells,
                                    "tasks {lis, edit_distance, arithmetic} × size n ∈ " + value_set(done, "task.n") +
                                        " × {direct, cot} × {Mamba, Transformer}",
                                    "Accuracy: the final answer right, by greedy generation through the step path "
                                    "when measured (the model writes its own chain of thought), else teacher-forced.");
  const DpGrid g = dp_grid(dp_rows(done));
  s.tables.push_back(accuracy_table(g));
  add_plots(s, g, context);
  s.verdict = dp_verdict(g);
  return s;
}

}  // namespace fl::reproduce
