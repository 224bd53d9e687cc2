// Section 4, locality (Theorems 4 and 5). Cells: local_dp (dp_i = (dp_{i−1} + dp_{i−m} + s_i) mod p)
// in the interleaved form (each input next to its result: an m-local DP) and the prefix form (all
// inputs first: the step i needs s_i from n positions back, an arbitrary-distance DP), for Mamba
// (constant state), a sliding-window Transformer and a full Transformer, each trained on sizes
// 1 … task.n and judged at every evaluated size n. Accuracy = every dp value right (generated when
// measured, else teacher-forced). The constant-state models should solve the interleaved form at
// every n while the prefix form falls behind (verdict_locality); the full Transformer should solve
// the interleaved form (verdict_stays_accurate) and is the control for the prefix form: when it
// does not solve that either, a constant-state model's prefix gap is inconclusive evidence.
#include <cmath>
#include <map>

#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"

namespace fl::reproduce {

namespace {

// The sizes a cell was evaluated at (its eval report's rows).
std::vector<double> evaluated_sizes(const CellRow& c) {
  std::vector<double> sizes;
  for (const auto& row : c.metrics.value("eval", Json::object()).value("by_size", Json::array()))
    sizes.push_back(row.value("size", 0.0));
  return sizes;
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

  // model label → format → size → accuracy
  std::map<std::string, std::map<std::string, std::map<double, double>>> acc;
  std::map<std::string, std::string> kinds;
  std::map<double, bool> sizes;
  for (const auto& c : done) {
    const std::string label = model_label(c, done);
    kinds[label] = model_kind(c, done);
    for (double n : evaluated_sizes(c)) {
      acc[label][text(c, "task.format", done)][n] = accuracy_at(c, static_cast<int64_t>(n), done);
      sizes[n] = true;
    }
  }
  const auto at = [&](const std::string& label, const std::string& format, double n) {
    const auto& by_size = acc[label][format];
    const auto it = by_size.find(n);
    return it == by_size.end() ? NAN : it->second;
  };

  ReportTable table{"accuracy (every dp value right) at size n", {"n"}, {}};
  LinePlot plot{
      "local DP: accuracy against size", "size n (inputs)", "accuracy (every dp value right)", false, false, {}};
  for (const auto& [label, formats] : acc)
    for (const char* format : {"interleaved", "prefix"}) table.header.push_back(label + " " + format);
  for (const auto& [n, unused] : sizes) {
    std::vector<std::string> row{number_text(n)};
    for (const auto& [label, formats] : acc)
      for (const char* format : {"interleaved", "prefix"}) row.push_back(percent(at(label, format, n)));
    table.rows.push_back(row);
  }
  // The full Transformer is the control: its state is not bounded, so when it does not solve the
  // prefix form either, a constant-state model falling behind there may be the budget, not the state.
  std::vector<ClaimVerdict> parts;
  std::string control_failure;
  for (const auto& [label, formats] : acc) {
    if (kinds[label] != "transformer") continue;
    for (const auto& [n, unused] : sizes)
      if (const double prefix = at(label, "prefix", n); control_failure.empty() && !(prefix >= kAccuracyTarget))
        control_failure =
            label + " (the control) reaches only " + percent(prefix) + " on the prefix form at n = " + number_text(n);
  }
  for (const auto& [label, formats] : acc) {
    std::vector<LocalityPoint> points;
    std::vector<AccuracyAtSize> interleaved;
    for (const char* format : {"interleaved", "prefix"}) {
      Series series{label + " " + format, {}, {}};
      for (const auto& [n, unused] : sizes) series.x.push_back(n), series.y.push_back(at(label, format, n));
      plot.series.push_back(series);
    }
    for (const auto& [n, unused] : sizes) {
      points.push_back({n, at(label, "interleaved", n), at(label, "prefix", n)});
      interleaved.push_back({n, at(label, "interleaved", n)});
    }
    if (kinds[label] == "transformer") {
      parts.push_back(verdict_stays_accurate(interleaved, label + " on the interleaved form"));
      continue;
    }
    ClaimVerdict v = verdict_locality(points, label);
    v.rule += "; the prefix gap counts only when the full Transformer (the control) reaches " +
              percent(kAccuracyTarget) + " on the prefix form at every n";
    if (v.outcome == ClaimOutcome::supported && !control_failure.empty()) {
      v.outcome = ClaimOutcome::inconclusive;
      v.because +=
          "; but " + control_failure + ", so the budget rather than the state may be what limits the prefix form";
    }
    parts.push_back(v);
  }
  s.tables.push_back(table);
  if (!acc.empty())
    add_plot(s, plot, context.report_dir, "locality_accuracy",
             "local DP: accuracy against size n, interleaved (m-local) and prefix form, per model");
  s.verdict = parts.empty()
                  ? ClaimVerdict{ClaimOutcome::inconclusive, paper_claim("locality").rule, "no finished local_dp cells"}
                  : combine_verdicts(parts);
  return s;
}

}  // namespace fl::reproduce
