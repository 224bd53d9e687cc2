// Section 4, locality (Theorems 4 and 5). Cells: local_dp (dp_i = (dp_{i−1} + dp_{i−m} + s_i) mod p)
// in the interleaved form (each input next to its result: an m-local DP) and the prefix form (all
// inputs first: the step i needs s_i from n positions back, an arbitrary-distance DP), for Mamba
// (constant state), a sliding-window Transformer and a full Transformer, each trained on sizes
// 1 … task.n and judged at every evaluated size n. Accuracy = every dp value right (generated when
// measured, else teacher-forced). The constant-state models should solve the interleaved form at
// every n while the prefix form falls behind (verdict_locality); the full Transformer should solve
// the interleaved form (verdict_stays_accurate) and is the control for the prefix form: when it
// does not solve that either, a constant-state model's prefix gap is inconclusive evidence.
//
// Four steps: the rows (one per done cell: model, format, accuracy per evaluated size), gathered
// per model label; the table, the plot and the verdict from those models.
#include <cmath>
#include <map>
#include <set>

#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"

namespace fl::reproduce {

namespace {

const char* const kFormats[] = {"interleaved", "prefix"};

// One done local_dp cell.
struct LocalityRow {
  CellModel model;
  std::string format;                                // "interleaved" or "prefix"
  std::vector<std::pair<double, double>> accuracies;  // (size n, accuracy at n), per evaluated size
};

std::vector<LocalityRow> locality_rows(const std::vector<CellRow>& done) {
  std::vector<LocalityRow> rows;
  for (const auto& c : done) {
    LocalityRow r{cell_model(c, done), text(c, "task.format", done), {}};
    for (const auto& size : c.metrics.value("eval", Json::object()).value("by_size", Json::array())) {
      const double n = size.value("size", 0.0);
      r.accuracies.push_back({n, accuracy_at(c, static_cast<int64_t>(n), done)});
    }
    rows.push_back(r);
  }
  return rows;
}

// One model label's accuracies by format and size (the last cell of a format wins a size).
struct LocalityModel {
  bool full_attention = false;  // a Transformer without a window
  std::map<std::string, std::map<double, double>> by_format;
  double at(const std::string& format, double n) const {
    const auto f = by_format.find(format);
    if (f == by_format.end()) return NAN;
    const auto it = f->second.find(n);
    return it == f->second.end() ? NAN : it->second;
  }
};

struct LocalityGrid {
  std::map<std::string, LocalityModel> models;  // by label; only models evaluated at some size
  std::set<double> sizes;                       // every evaluated size
};

LocalityGrid locality_grid(const std::vector<LocalityRow>& rows) {
  LocalityGrid g;
  for (const auto& r : rows)
    for (const auto& [n, accuracy] : r.accuracies) {
      LocalityModel& m = g.models[r.model.label];
      m.full_attention = r.model.full_attention();
      m.by_format[r.format][n] = accuracy;
      g.sizes.insert(n);
    }
  return g;
}

ReportTable accuracy_table(const LocalityGrid& g) {
  ReportTable table{"accuracy (every dp value right) at size n", {"n"}, {}};
  for (const auto& [label, m] : g.models)
    for (const char* format : kFormats) table.header.push_back(label + " " + format);
  for (double n : g.sizes) {
    std::vector<std::string> row{number_text(n)};
    for (const auto& [label, m] : g.models)
      for (const char* format : kFormats) row.push_back(percent(m.at(format, n)));
    table.rows.push_back(row);
  }
  return table;
}

// A series per model and format, over every size.
LinePlot accuracy_plot(const LocalityGrid& g) {
  LinePlot plot{
      "local DP: accuracy against size", "size n (inputs)", "accuracy (every dp value right)", false, false, {}};
  for (const auto& [label, m] : g.models)
    for (const char* format : kFormats) {
      Series series{label + " " + format, {}, {}};
      for (double n : g.sizes) series.x.push_back(n), series.y.push_back(m.at(format, n));
      plot.series.push_back(series);
    }
  return plot;
}

// The full Transformer is the control: its state is not bounded, so when it does not solve the
// prefix form either, a constant-state model falling behind there may be the budget, not the
// state. "" when every full Transformer reaches the target on the prefix form at every size.
std::string control_failure(const LocalityGrid& g) {
  for (const auto& [label, m] : g.models) {
    if (!m.full_attention) continue;
    for (double n : g.sizes)
      if (const double prefix = m.at("prefix", n); !(prefix >= kAccuracyTarget))
        return label + " (the control) reaches only " + percent(prefix) + " on the prefix form at n = " +
               number_text(n);
  }
  return "";
}

// A full Transformer: stays accurate on the interleaved form; a constant-state model: the
// locality verdict, made inconclusive by a failing control.
ClaimVerdict model_verdict(const LocalityGrid& g, const std::string& label, const LocalityModel& m,
                           const std::string& control) {
  std::vector<LocalityPoint> points;
  std::vector<AccuracyAtSize> interleaved;
  for (double n : g.sizes) {
    points.push_back({n, m.at("interleaved", n), m.at("prefix", n)});
    interleaved.push_back({n, m.at("interleaved", n)});
  }
  if (m.full_attention) return verdict_stays_accurate(interleaved, label + " on the interleaved form");
  ClaimVerdict v = verdict_locality(points, label);
  v.rule += "; the prefix gap counts only when the full Transformer (the control) reaches " +
            percent(kAccuracyTarget) + " on the prefix form at every n";
  if (v.outcome == ClaimOutcome::supported && !control.empty()) {
    v.outcome = ClaimOutcome::inconclusive;
    v.because += "; but " + control + ", so the budget rather than the state may be what limits the prefix form";
  }
  return v;
}

ClaimVerdict locality_verdict(const LocalityGrid& g) {
  if (g.models.empty())
    return {ClaimOutcome::inconclusive, paper_claim("locality").rule, "no finished local_dp cells"};
  const std::string control = control_failure(g);
  std::vector<ClaimVerdict> parts;
  for (const auto& [label, m] : g.models) parts.push_back(model_verdict(g, label, m, control));
  return combine_verdicts(parts);
}

}  // namespace

ClaimSection locality_section(const std::vector<CellRow>& cells, const SectionContext& context) {
  ClaimSection s = section_for_claim("locality");
  const auto done = done_cells(cells, {"local_dp"});
  s.experiment = experiment_summary(context.experiment, done, cells,
                                    "{interleaved, prefix} × {Mamba, windowed Transformer, Transformer}, m ∈ " +
                                        value_set(done, "task.m") + ", p ∈ " + value_set(done, "task.modulus") +
                                        ", trained on n = 1 … " + value_set(done, "task.n"),
                                    "Accuracy: every dp value right at size n (generated through the step path when "
                                    "measured, the inputs supplied by the environment; else teacher-forced).");
  const LocalityGrid g = locality_grid(locality_rows(done));
  s.tables.push_back(accuracy_table(g));
  if (!g.models.empty())
    add_plot(s, accuracy_plot(g), context.report_dir, "locality_accuracy",
             "local DP: accuracy against size n, interleaved (m-local) and prefix form, per model");
  s.verdict = locality_verdict(g);
  return s;
}

}  // namespace fl::reproduce
