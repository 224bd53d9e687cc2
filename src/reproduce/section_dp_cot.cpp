// Section 3, DP with chain of thought (the paper's experiments; Feng et al.'s tasks). Cells:
// Mamba and Transformer (at matched parameter counts, as the sweep sets them) on lis,
// edit_distance and arithmetic at size task.n, answering directly (task.format = direct) or after
// the chain of thought (cot). Accuracy = the final answer right, by greedy generation when
// measured (the model writes its own chain), else teacher-forced. Two parts: the Transformer
// beats Mamba over the matched (task, n, format) cells (verdict_consistently_better), and Mamba
// with CoT is sometimes below Mamba answering directly (verdict_sometimes_worse).
#include <cmath>
#include <map>
#include <tuple>

#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"

namespace fl::reproduce {

namespace {

const std::vector<std::string> kTasks = {"lis", "edit_distance", "arithmetic"};

struct Key {
  std::string task;
  double n;
  bool operator<(const Key& o) const { return std::tie(task, n) < std::tie(o.task, o.n); }
};

// (model kind, format) → accuracy and parameters.
struct Cell {
  double accuracy = NAN, parameters = NAN;
};
using Row = std::map<std::pair<std::string, std::string>, Cell>;

}  // namespace

ClaimSection dp_cot_section(const std::vector<CellRow>& cells, const SectionContext& context) {
  ClaimSection s = section_for_claim("dp-cot");
  const auto done = done_cells(cells, kTasks);
  s.experiment = experiment_summary(context.experiment, done, cells,
                                    "tasks {lis, edit_distance, arithmetic} × size n ∈ " + value_set(done, "task.n") +
                                        " × {direct, cot} × {Mamba, Transformer}",
                                    "Accuracy: the final answer right, by greedy generation through the step path "
                                    "when measured (the model writes its own chain of thought), else teacher-forced.");

  std::map<Key, Row> rows;
  std::map<std::string, std::string> labels;  // model kind → label (of the last cell seen)
  for (const auto& c : done) {
    const std::string kind = model_kind(c, done) == "mamba" ? "mamba" : "transformer";
    labels[kind] = model_label(c, done);
    rows[{text(c, "task.name", done), number(c, "task.n", done)}][{kind, text(c, "task.format", done)}] =
        Cell{answer_accuracy(c), c.parameters ? static_cast<double>(*c.parameters) : NAN};
  }
  const std::pair<std::string, std::string> columns[] = {
      {"mamba", "direct"}, {"mamba", "cot"}, {"transformer", "direct"}, {"transformer", "cot"}};
  std::string models;
  for (const auto& [kind, label] : labels) models += (models.empty() ? "" : ", ") + label;
  ReportTable table{"final-answer accuracy (" + models + ")", {"task", "n"}, {}};
  for (const auto& [kind, format] : columns)
    table.header.push_back((kind == "mamba" ? "Mamba " : "Transformer ") + format);
  table.header.push_back("params Mamba");
  table.header.push_back("params Transformer");
  std::vector<PairedScore> transformer_vs_mamba, cot_vs_direct;
  for (const auto& [key, row] : rows) {
    std::vector<std::string> line{key.task, number_text(key.n)};
    const auto get = [&](const std::string& kind, const std::string& format) {
      const auto it = row.find({kind, format});
      return it == row.end() ? Cell{} : it->second;
    };
    for (const auto& [kind, format] : columns) line.push_back(percent(get(kind, format).accuracy));
    const auto params = [&](const std::string& kind) {
      const Cell a = get(kind, "cot"), b = get(kind, "direct");
      return number_text(std::isnan(a.parameters) ? b.parameters : a.parameters);
    };
    line.push_back(params("mamba"));
    line.push_back(params("transformer"));
    table.rows.push_back(line);
    const std::string where = key.task + " n=" + number_text(key.n);
    for (const char* format : {"direct", "cot"}) {
      const Cell t = get("transformer", format), m = get("mamba", format);
      if (!std::isnan(t.accuracy) && !std::isnan(m.accuracy))
        transformer_vs_mamba.push_back({where + " " + format, t.accuracy, m.accuracy});
    }
    const Cell cot = get("mamba", "cot"), direct = get("mamba", "direct");
    if (!std::isnan(cot.accuracy) && !std::isnan(direct.accuracy))
      cot_vs_direct.push_back({where, cot.accuracy, direct.accuracy});
  }
  s.tables.push_back(table);

  for (const std::string& task : kTasks) {
    LinePlot plot{std::string(task) + ": final-answer accuracy against size",
                  "problem size n",
                  "final-answer accuracy",
                  false,
                  false,
                  {}};
    for (const auto& [kind, format] : columns) {
      Series series{(kind == "mamba" ? "Mamba " : "Transformer ") + format, {}, {}};
      for (const auto& [key, row] : rows)
        if (key.task == task)
          if (const auto it = row.find({kind, format}); it != row.end())
            series.x.push_back(key.n), series.y.push_back(it->second.accuracy);
      if (!series.x.empty()) plot.series.push_back(series);
    }
    if (!plot.series.empty())
      add_plot(s, plot, context.report_dir, ("dp_cot_" + std::string(task)),
               std::string(task) + ": final-answer accuracy of Mamba and Transformer, direct and with CoT");
  }
  if (rows.empty()) {
    s.verdict = {ClaimOutcome::inconclusive, paper_claim("dp-cot").rule, "no finished DP cells"};
    return s;
  }
  s.verdict = combine_verdicts({verdict_consistently_better(transformer_vs_mamba, "Transformer", "Mamba"),
                                verdict_sometimes_worse(cot_vs_direct, "Mamba CoT", "Mamba direct")});
  return s;
}

}  // namespace fl::reproduce
