// Section 4, locality (Theorems 4 and 5). Cells: local_dp (dp_i = (dp_{i−1} + dp_{i−m} + s_i) mod p)
// in the interleaved form (each input next to its result: an m-local DP) and the prefix form (all
// inputs first: the step i needs s_i from n positions back, an arbitrary-distance DP), for Mamba
// (constant state), a sliding-window Transformer and a full Transformer, each trained on sizes
// 1 … task.n and judged at every evaluated size n, with seeds (cells that differ only in `seed`).
// Accuracy = every dp value right (generated when measured, else teacher-forced), shown as the
// mean over seeds with its 95% interval. Evaluated n above task.n lie beyond the training range:
// the claim is "constant in T", so the local form holding there is the evidence. The
// constant-state models should solve the interleaved form at every n, also beyond the training
// range, while the prefix form falls behind (verdict_locality); the full Transformer should solve
// the interleaved form within its training range (verdict_stays_accurate: it is the control that
// the task is learnable, not a model claimed to extrapolate) and is the control for the prefix
// form: when it
// does not solve that either, a constant-state model's prefix gap is inconclusive evidence.
//
// Distances: in the interleaved form dp_i is predicted at s_i and needs dp_{i−1} and dp_{i−m},
// at most 2m − 1 tokens back; in the prefix form "$ s_1 … s_n | dp_1 … dp_n" dp_i is predicted n
// tokens after s_i. The reach table sets them against each model's reach (CellModel::reach:
// Mamba's convolutions, a window's span): beyond it, only a state (or full attention) remembers.
//
// Four steps: the rows (one per done cell: model, format, seed, trained n, accuracy per evaluated
// size), gathered per model label; the tables, the plot and the verdict from those models.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"

namespace fl::reproduce {

namespace {

const char* const kFormats[] = {"interleaved", "prefix"};

// One evaluated size of a cell: accuracy and its evaluation examples.
struct SizeAccuracy {
  double n = 0, accuracy = NAN;
  int64_t examples = 0;
};

// One done local_dp cell.
struct LocalityRow {
  CellModel model;
  std::string format;  // "interleaved" or "prefix"
  int64_t seed = 1;
  double trained_n = NAN, m = NAN;  // task.n (the largest trained size), task.m
  std::vector<SizeAccuracy> accuracies;
};

std::vector<LocalityRow> locality_rows(const std::vector<CellRow>& done) {
  std::vector<LocalityRow> rows;
  for (const auto& c : done) {
    LocalityRow r{cell_model(c, done), text(c, "task.format", done), cell_seed(c, done), number(c, "task.n", done),
                  number(c, "task.m", done), {}};
    for (const auto& size : c.metrics.value("eval", Json::object()).value("by_size", Json::array())) {
      const auto n = size.value("size", int64_t{0});
      r.accuracies.push_back({static_cast<double>(n), accuracy_at(c, n, done), examples_at(c, n)});
    }
    rows.push_back(r);
  }
  return rows;
}

// One model label's accuracies per seed by format and size.
struct LocalityModel {
  CellModel model;
  double trained_n = NAN, m = NAN;  // the largest task.n and task.m of its cells
  std::map<std::string, std::map<double, AccuracyRuns>> by_format;
  AccuracyRuns at(const std::string& format, double n) const {
    const auto f = by_format.find(format);
    if (f == by_format.end()) return {};
    const auto it = f->second.find(n);
    return it == f->second.end() ? AccuracyRuns{} : it->second;
  }
  bool beyond_training(double n) const { return n > trained_n; }
};

struct LocalityGrid {
  std::map<std::string, LocalityModel> models;  // by label; only models evaluated at some size
  std::set<double> sizes;                       // every evaluated size
  double trained_n = NAN;                       // the largest task.n of all cells
};

LocalityGrid locality_grid(const std::vector<LocalityRow>& rows) {
  LocalityGrid g;
  for (const auto& r : rows)
    for (const auto& a : r.accuracies) {
      LocalityModel& m = g.models[r.model.label];
      m.model = r.model;
      m.trained_n = std::isnan(m.trained_n) ? r.trained_n : std::max(m.trained_n, r.trained_n);
      m.m = std::isnan(m.m) ? r.m : std::max(m.m, r.m);
      m.by_format[r.format][a.n].add(r.seed, a.accuracy, a.examples);
      g.sizes.insert(a.n);
      g.trained_n = std::isnan(g.trained_n) ? r.trained_n : std::max(g.trained_n, r.trained_n);
    }
  return g;
}

std::string size_text(const LocalityGrid& g, double n) {
  return number_text(n) + (n > g.trained_n ? " (beyond training)" : "");
}

ReportTable accuracy_table(const LocalityGrid& g) {
  ReportTable table{"accuracy (every dp value right) at size n, mean over seeds with its 95% interval (Wilson for "
                    "one run, t across seeds); trained on n ≤ " + number_text(g.trained_n),
                    {"n"},
                    {}};
  for (const auto& [label, m] : g.models)
    for (const char* format : kFormats) table.header.push_back(label + " " + format);
  for (double n : g.sizes) {
    std::vector<std::string> row{size_text(g, n)};
    for (const auto& [label, m] : g.models)
      for (const char* format : kFormats) row.push_back(accuracy_cell(m.at(format, n)));
    table.rows.push_back(row);
  }
  return table;
}

// Each model's reach against the distances the two forms need.
ReportTable reach_table(const LocalityGrid& g) {
  ReportTable table{"reach: tokens back a model sees without a state (Mamba: convolutions n_layer·(d_conv − 1); "
                    "window: n_layer·(W − 1)) against the distances the forms need (interleaved: 2m − 1; prefix: n)",
                    {"model", "reach (tokens)", "interleaved distance 2m − 1", "within reach",
                     "prefix distance n beyond reach at n ∈"},
                    {}};
  for (const auto& [label, m] : g.models) {
    const int64_t reach = m.model.reach();
    const double local_distance = 2 * m.m - 1;
    std::string beyond;
    for (double n : g.sizes)
      if (reach >= 0 && n > static_cast<double>(reach)) beyond += (beyond.empty() ? "" : ", ") + number_text(n);
    table.rows.push_back({label, reach < 0 ? "unbounded (full attention)" : number_text(static_cast<double>(reach)),
                          number_text(local_distance),
                          reach < 0 || local_distance <= static_cast<double>(reach) ? "yes" : "no",
                          reach < 0 ? "none" : beyond.empty() ? "none" : "{" + beyond + "}"});
  }
  return table;
}

// A series per model and format (mean over seeds), over every size.
LinePlot accuracy_plot(const LocalityGrid& g) {
  LinePlot plot{
      "local DP: accuracy against size", "size n (inputs)", "accuracy (every dp value right)", false, false, {}};
  for (const auto& [label, m] : g.models)
    for (const char* format : kFormats) {
      Series series{label + " " + format, {}, {}};
      for (double n : g.sizes) series.x.push_back(n), series.y.push_back(m.at(format, n).mean());
      plot.series.push_back(series);
    }
  return plot;
}

// Which evaluated sizes lie beyond the training range, in words, for the section's notes.
std::string extrapolation_note(const LocalityGrid& g) {
  std::string beyond;
  for (double n : g.sizes)
    if (n > g.trained_n) beyond += (beyond.empty() ? "" : ", ") + number_text(n);
  if (g.sizes.empty()) return "";
  return beyond.empty() ? "No evaluated n lies beyond the training range (n ≤ " + number_text(g.trained_n) +
                              "): constancy in n is not tested by extrapolation."
                        : "Evaluated beyond the training range (n ≤ " + number_text(g.trained_n) + "): n ∈ {" +
                              beyond + "}.";
}

// The full Transformer is the control: its state is not bounded, so when it does not solve the
// prefix form either, a constant-state model falling behind there may be the budget, not the
// state. "" when every full Transformer reaches the target on the prefix form at every size of
// its training range.
std::string control_failure(const LocalityGrid& g) {
  for (const auto& [label, m] : g.models) {
    if (!m.model.full_attention()) continue;
    for (double n : g.sizes)
      if (const double prefix = m.at("prefix", n).mean(); !m.beyond_training(n) && !(prefix >= kAccuracyTarget))
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
    points.push_back({n, m.at("interleaved", n), m.at("prefix", n), m.beyond_training(n)});
    if (!m.beyond_training(n)) interleaved.push_back({n, m.at("interleaved", n)});
  }
  if (m.model.full_attention())
    return verdict_stays_accurate(interleaved, label + " on the interleaved form within its training range");
  ClaimVerdict v = verdict_locality(points, label);
  v.rule += "; the prefix gap counts only when the full Transformer (the control) reaches " +
            percent(kAccuracyTarget) + " on the prefix form at every n of its training range";
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
  s.experiment.notes = join_notes({s.experiment.notes, extrapolation_note(g)});
  s.tables.push_back(accuracy_table(g));
  s.tables.push_back(reach_table(g));
  if (!g.models.empty())
    add_plot(s, accuracy_plot(g), context.report_dir, "locality_accuracy",
             "local DP: accuracy against size n, interleaved (m-local) and prefix form, per model");
  s.verdict = locality_verdict(g);
  return s;
}

}  // namespace fl::reproduce
