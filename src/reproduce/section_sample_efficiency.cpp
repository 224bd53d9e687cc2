// Section 2, sample efficiency on COPY (the paper's experiments). Each cell trains one model on
// copy with strings of up to L letters (task.max_len) and evaluates every train.eval_every steps
// (metrics "eval_curve", experiments/sweep_runner.cpp). Samples to the target = step × batch size
// at the first evaluation whose whole-string accuracy (over every length 1 … L, teacher-forced)
// reached 95%; NaN when none did within the budget. Mamba against the Transformer by
// verdict_needs_more_samples; when the sweep also has a narrower and a shallower Mamba, the
// shallower should stay more accurate than the narrower (verdict_consistently_better over the
// lengths where not both reached 95%: where both did, the comparison is a tie and left out).
#include <algorithm>
#include <cmath>
#include <map>

#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"

namespace fl::reproduce {

namespace {

// Samples (examples, or packed sequences) seen when the cell first reached the target; NaN if never.
double samples_to_target(const CellRow& c, const std::vector<CellRow>& cells) {
  const double batch = number(c, "train.batch_size", cells);
  for (const auto& point : c.metrics.value("eval_curve", Json::array()))
    if (point.value("accuracy", 0.0) >= kAccuracyTarget) return point.value("step", 0.0) * batch;
  return NAN;
}

double budget_samples(const CellRow& c, const std::vector<CellRow>& cells) {
  return number(c, "train.steps", cells) * number(c, "train.batch_size", cells);
}

struct Model {
  std::string kind;
  int64_t width = 0, depth = 0;
  std::vector<CellRow> cells;  // one per max length
};

double final_accuracy(const CellRow& c) { return c.accuracy ? *c.accuracy : NAN; }

}  // namespace

ClaimSection sample_efficiency_section(const std::vector<CellRow>& cells, const SectionContext& context) {
  ClaimSection s = section_for_claim("sample-efficiency");
  const auto done = done_cells(cells, {"copy"});
  s.experiment = experiment_summary(
      context.experiment, done, cells,
      "models × longest string L ∈ " + value_set(done, "task.max_len") +
          " (strings of 1 … L letters), evaluated every " + value_set(done, "train.eval_every") + " steps",
      "Samples to 95% = steps × batch size at the first evaluation where the whole-string "
      "accuracy over lengths 1 … L (teacher-forced) reached 95%.");

  std::map<std::string, Model> models;  // by label
  for (const auto& c : done) {
    Model& m = models[model_label(c, done)];
    m.kind = model_kind(c, done);
    m.width = static_cast<int64_t>(number(c, "model.d_model", done));
    m.depth = static_cast<int64_t>(number(c, "model.n_layer", done));
    m.cells.push_back(c);
  }
  const std::vector<double> lengths = distinct_numbers(done, "task.max_len");
  const auto cell_at = [&](const Model& m, double L) -> const CellRow* {
    for (const auto& c : m.cells)
      if (number(c, "task.max_len", done) == L) return &c;
    return nullptr;
  };

  ReportTable table{"samples to 95% whole-string accuracy (final accuracy in brackets)", {"L"}, {}};
  for (const auto& [label, m] : models) table.header.push_back(label);
  LinePlot samples{"COPY: samples to reach 95% against the longest training string",
                   "longest string L (letters)",
                   "samples to 95% (examples)",
                   false,
                   false,
                   {}};
  samples.log_y = true;
  double budget = 0;
  std::map<std::string, SampleCurve> sample_curves;
  std::vector<std::pair<std::string, LinePlot>> curve_plots;  // one per model: a line per length
  for (const auto& [label, m] : models) {
    Series series{label, {}, {}};
    LinePlot curves{"COPY: accuracy during training, " + label,
                    "samples seen (examples)",
                    "whole-string accuracy, lengths 1 … L",
                    true,
                    false,
                    {},
                    "bottom right"};
    SampleCurve& curve = sample_curves[label];
    curve.model = label;
    for (double L : lengths) {
      const CellRow* c = cell_at(m, L);
      if (!c) continue;
      const double needed = samples_to_target(*c, done);
      budget = std::max(budget, budget_samples(*c, done));
      series.x.push_back(L), series.y.push_back(needed);
      curve.points.push_back({L, needed});
      Series over_time{"L = " + number_text(L), {}, {}, SeriesStyle::line};
      for (const auto& point : c->metrics.value("eval_curve", Json::array()))
        over_time.x.push_back(point.value("step", 0.0) * number(*c, "train.batch_size", done)),
            over_time.y.push_back(point.value("accuracy", 0.0));
      if (!over_time.x.empty()) curves.series.push_back(over_time);
    }
    samples.series.push_back(series);
    curve_plots.push_back({label, curves});
  }
  for (double L : lengths) {
    std::vector<std::string> row{number_text(L)};
    for (const auto& [label, m] : models) {
      const CellRow* c = cell_at(m, L);
      const double needed = c ? samples_to_target(*c, done) : NAN;
      row.push_back(!c ? "–"
                       : (std::isnan(needed) ? "> " + number_text(budget_samples(*c, done)) : number_text(needed)) +
                             " (" + percent(final_accuracy(*c)) + ")");
    }
    table.rows.push_back(row);
  }
  s.tables.push_back(table);
  if (!models.empty()) {
    add_plot(s, samples, context.report_dir, "sample_efficiency_samples",
             "Samples each model needed to reach 95%, against the longest training string (missing points: "
             "not reached within the budget)");
    for (size_t i = 0; i < curve_plots.size(); ++i)
      add_plot(s, curve_plots[i].second, context.report_dir, "sample_efficiency_curves_" + std::to_string(i + 1),
               "Whole-string accuracy of " + curve_plots[i].first + " during training, per longest string L");
  }

  // Mamba (the largest one) against the Transformer with the most cells.
  const Model* mamba = nullptr;
  const Model* transformer = nullptr;
  std::string mamba_label, transformer_label;
  for (const auto& [label, m] : models) {
    if (m.kind == "mamba" && (!mamba || m.width * m.depth > mamba->width * mamba->depth))
      mamba = &m, mamba_label = label;
    if (m.kind == "transformer" && (!transformer || m.cells.size() > transformer->cells.size()))
      transformer = &m, transformer_label = label;
  }
  std::vector<ClaimVerdict> parts;
  if (mamba && transformer)
    parts.push_back(verdict_needs_more_samples(sample_curves[mamba_label], sample_curves[transformer_label], budget));
  // Shrinking depth vs shrinking width, against the largest Mamba.
  const Model* shallower = nullptr;
  const Model* narrower = nullptr;
  for (const auto& [label, m] : models) {
    if (!mamba || m.kind != "mamba") continue;
    if (m.width == mamba->width && m.depth < mamba->depth) shallower = &m;
    if (m.depth == mamba->depth && m.width < mamba->width) narrower = &m;
  }
  if (shallower && narrower) {
    std::vector<PairedScore> pairs;
    for (double L : lengths) {
      const CellRow* a = cell_at(*shallower, L);
      const CellRow* b = cell_at(*narrower, L);
      // Where both reached the target the comparison says nothing: a tie, left out.
      if (a && b && !(final_accuracy(*a) >= kAccuracyTarget && final_accuracy(*b) >= kAccuracyTarget))
        pairs.push_back({"L=" + number_text(L), final_accuracy(*a), final_accuracy(*b)});
    }
    parts.push_back(verdict_consistently_better(pairs, "shallower Mamba", "narrower Mamba"));
  }
  s.verdict = parts.empty() ? ClaimVerdict{ClaimOutcome::inconclusive, paper_claim("sample-efficiency").rule,
                                           "the sweep has no finished Mamba and Transformer copy cells to compare"}
                            : combine_verdicts(parts);
  return s;
}

}  // namespace fl::reproduce
