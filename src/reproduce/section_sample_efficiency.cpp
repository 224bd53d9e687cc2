// Section 2, sample efficiency on COPY (the paper's experiments). Each cell trains one model on
// copy with strings of up to L letters (task.max_len) and evaluates every train.eval_every steps
// (metrics "eval_curve", experiments/sweep_runner.cpp). Samples to the target = step × batch size
// at the first evaluation whose whole-string accuracy (over every length 1 … L, teacher-forced)
// reached 95%; NaN when none did within the budget. Cells that differ only in `seed` are runs of
// one model at one length. Mamba against the Transformer by verdict_needs_more_samples (the
// ratio of samples per matched run, censored runs by rank: a one-sided sign test over all runs
// and a trend test of the ratio against L); when the sweep also has a narrower
// and a shallower Mamba of equal parameter count (within 10%; otherwise that part is
// inconclusive, size would confound it), the shallower should stay more accurate than the narrower
// (verdict_consistently_better on the final accuracy per seed, over the lengths where not both
// reached 95% on average: where both did, the comparison is a tie and left out).
//
// Four steps: the rows (one per done cell: model, L, budget, curve, samples to 95%), grouped by
// model label; the table, the plots and the verdict from those groups.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"
#include "reproduce/section_parts.h"

namespace fl::reproduce {

namespace {

// One evaluation during training: samples seen (step × batch size) and whole-string accuracy.
struct CurvePoint {
  double samples = 0, accuracy = 0;
};

// One done copy cell.
struct SampleRow {
  CellModel model;
  double length = NAN;          // L = task.max_len
  double budget = NAN;          // samples of the whole run: train.steps × train.batch_size
  double final_accuracy = NAN;  // overall, at the end
  double to_target = NAN;       // samples at the first evaluation reaching 95%; NaN if none did
  std::vector<CurvePoint> curve;
  int64_t seed = 1, examples = 0;  // examples: evaluation examples behind final_accuracy
  int64_t parameters = 0;
};

SampleRow sample_row(const CellRow& c, const std::vector<CellRow>& done) {
  const double batch = number(c, "train.batch_size", done);
  SampleRow r{cell_model(c, done), number(c, "task.max_len", done), number(c, "train.steps", done) * batch,
              c.accuracy ? *c.accuracy : NAN, NAN, {}, cell_seed(c, done), overall_examples(c),
              c.parameters ? *c.parameters : 0};
  for (const auto& point : c.metrics.value("eval_curve", Json::array()))
    r.curve.push_back({point.value("step", 0.0) * batch, point.value("accuracy", 0.0)});
  for (const auto& p : r.curve)
    if (p.accuracy >= kAccuracyTarget) {
      r.to_target = p.samples;
      break;
    }
  return r;
}

// The rows of one model label (one per max length and seed).
struct Model {
  CellModel model;
  std::vector<SampleRow> rows;
  const SampleRow* at(double L) const {  // the first seed's row
    for (const auto& r : rows)
      if (r.length == L) return &r;
    return nullptr;
  }
  std::vector<const SampleRow*> runs_at(double L) const {
    std::vector<const SampleRow*> out;
    for (const auto& r : rows)
      if (r.length == L) out.push_back(&r);
    return out;
  }
  AccuracyRuns final_accuracy(double L) const {
    AccuracyRuns out;
    for (const SampleRow* r : runs_at(L)) out.add(r->seed, r->final_accuracy, r->examples);
    return out;
  }
};

struct Grid {
  std::map<std::string, Model> models;  // by label
  std::vector<double> lengths;
  double budget = 0;  // the largest budget of the rows in the table
};

Grid grid_of(const std::vector<CellRow>& done) {
  Grid g;
  std::set<double> lengths;
  for (const auto& c : done) {
    const SampleRow r = sample_row(c, done);
    Model& m = g.models[r.model.label];
    m.model = r.model;
    m.rows.push_back(r);
    if (!std::isnan(r.length)) lengths.insert(r.length);
  }
  g.lengths = {lengths.begin(), lengths.end()};
  for (const auto& [label, m] : g.models)
    for (double L : g.lengths)
      if (const SampleRow* r = m.at(L)) g.budget = std::max(g.budget, r->budget);
  return g;
}

ReportTable samples_table(const Grid& g) {
  ReportTable table{"samples to 95% whole-string accuracy, one entry per seed (final accuracy, mean over seeds with "
                    "its 95% interval, in brackets)",
                    {"L"},
                    {}};
  for (const auto& [label, m] : g.models) table.header.push_back(label);
  for (double L : g.lengths) {
    std::vector<std::string> row{number_text(L)};
    for (const auto& [label, m] : g.models) {
      std::string samples;
      for (const SampleRow* r : m.runs_at(L))
        samples += (samples.empty() ? "" : " · ") +
                   (std::isnan(r->to_target) ? "> " + number_text(r->budget) : number_text(r->to_target));
      row.push_back(samples.empty() ? "–" : samples + " (" + accuracy_cell(m.final_accuracy(L)) + ")");
    }
    table.rows.push_back(row);
  }
  return table;
}

// Samples to 95% against L, a series per model (missing points: not reached).
LinePlot samples_plot(const Grid& g) {
  LinePlot plot{"COPY: samples to reach 95% against the longest training string",
                "longest string L (letters)",
                "samples to 95% (examples)",
                false,
                true,
                {}};
  for (const auto& [label, m] : g.models) {
    Series series{label, {}, {}};
    for (double L : g.lengths)
      if (const SampleRow* r = m.at(L)) series.x.push_back(L), series.y.push_back(r->to_target);
    plot.series.push_back(series);
  }
  return plot;
}

// One model's accuracy during training, a line per L.
LinePlot curves_plot(const Grid& g, const std::string& label, const Model& m) {
  LinePlot plot{"COPY: accuracy during training, " + label,
                "samples seen (examples)",
                "whole-string accuracy, lengths 1 … L",
                true,
                false,
                {},
                "bottom right"};
  for (double L : g.lengths) {
    const SampleRow* r = m.at(L);
    if (!r || r->curve.empty()) continue;
    Series over_time{"L = " + number_text(L), {}, {}, SeriesStyle::line};
    for (const auto& p : r->curve) over_time.x.push_back(p.samples), over_time.y.push_back(p.accuracy);
    plot.series.push_back(over_time);
  }
  return plot;
}

void add_plots(ClaimSection& s, const Grid& g, const SectionContext& context) {
  if (g.models.empty()) return;
  add_plot(s, samples_plot(g), context.report_dir, "sample_efficiency_samples",
           "Samples each model needed to reach 95%, against the longest training string (missing points: "
           "not reached within the budget)");
  size_t i = 0;
  for (const auto& [label, m] : g.models)
    add_plot(s, curves_plot(g, label, m), context.report_dir, "sample_efficiency_curves_" + std::to_string(++i),
             "Whole-string accuracy of " + label + " during training, per longest string L");
}

SampleCurve sample_curve(const Grid& g, const std::string& label, const Model& m) {
  SampleCurve curve{label, {}};
  for (double L : g.lengths)
    if (const auto runs = m.runs_at(L); !runs.empty()) {
      SamplesAtLength p{L, {}, {}};
      for (const SampleRow* r : runs) p.samples.push_back(r->to_target), p.seeds.push_back(r->seed);
      curve.points.push_back(p);
    }
  return curve;
}

// Where both reached the target the comparison says nothing: a tie, left out.
std::vector<PairedScore> depth_against_width(const Grid& g, const Model& shallower, const Model& narrower) {
  std::vector<PairedScore> pairs;
  for (double L : g.lengths) {
    AccuracyRuns a = shallower.final_accuracy(L), b = narrower.final_accuracy(L);
    if (!a.empty() && !b.empty() && !(a.mean() >= kAccuracyTarget && b.mean() >= kAccuracyTarget))
      pairs.push_back({"L=" + number_text(L), std::move(a), std::move(b)});
  }
  return pairs;
}

// Shrinking width against shrinking depth is a fair comparison only at equal size: the two
// Mambas' parameter counts within kEqualParameters of each other, or the part is inconclusive.
constexpr double kEqualParameters = 0.10;

ClaimVerdict width_against_depth(const Grid& g, const Model& shallower, const Model& narrower) {
  const double a = shallower.rows.empty() ? 0 : static_cast<double>(shallower.rows.front().parameters),
               b = narrower.rows.empty() ? 0 : static_cast<double>(narrower.rows.front().parameters);
  const std::string sizes = shallower.model.label + " " + number_text(a) + " parameters, " + narrower.model.label +
                            " " + number_text(b);
  const double difference = std::abs(b - a) / std::max(a, 1.0);
  if (!(a > 0 && b > 0) || difference > kEqualParameters)
    return {ClaimOutcome::inconclusive,
            "shallower vs narrower Mamba: compared only at equal parameter counts (within 10%)",
            "width vs depth not judged: " + sizes + " differ by " + formatted("%.0f", 100 * difference) +
                "% (more than 10%), so size would confound the comparison"};
  return labelled("width vs depth at equal size (" + sizes + ", " + formatted("%+.1f", 100 * (b - a) / a) + "%)",
                  verdict_consistently_better(depth_against_width(g, shallower, narrower), "shallower Mamba",
                                              "narrower Mamba"));
}

// Mamba (the largest one) against the Transformer with the most cells; shrinking depth against
// shrinking width of that Mamba.
ClaimVerdict sample_verdict(const Grid& g) {
  const Model *mamba = nullptr, *transformer = nullptr, *shallower = nullptr, *narrower = nullptr;
  std::string mamba_label, transformer_label;
  for (const auto& [label, m] : g.models) {
    const CellModel& k = m.model;
    if (k.is_mamba() && (!mamba || k.width * k.depth > mamba->model.width * mamba->model.depth))
      mamba = &m, mamba_label = label;
    if (k.full_attention() && (!transformer || m.rows.size() > transformer->rows.size()))
      transformer = &m, transformer_label = label;
  }
  for (const auto& [label, m] : g.models) {
    if (!mamba || !m.model.is_mamba()) continue;
    if (m.model.width == mamba->model.width && m.model.depth < mamba->model.depth) shallower = &m;
    if (m.model.depth == mamba->model.depth && m.model.width < mamba->model.width) narrower = &m;
  }
  std::vector<ClaimVerdict> parts;
  if (mamba && transformer)
    parts.push_back(verdict_needs_more_samples(sample_curve(g, mamba_label, *mamba),
                                               sample_curve(g, transformer_label, *transformer), g.budget));
  if (shallower && narrower) parts.push_back(width_against_depth(g, *shallower, *narrower));
  if (parts.empty())
    return {ClaimOutcome::inconclusive, paper_claim("sample-efficiency").rule,
            "the sweep has no finished Mamba and Transformer copy cells to compare"};
  return combine_verdicts(parts);
}

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
  const Grid g = grid_of(done);
  s.tables.push_back(samples_table(g));
  add_plots(s, g, context);
  s.verdict = sample_verdict(g);
  return s;
}

}  // namespace fl::reproduce
