// Section 5 of the report, "Inference cost" (reproduce/report_sections.h), from the cost.json of
// `freelunch cost` (read by its owner, cost/cost_report.h from_json), the generation timings of
// the dp-cot sweep (typed GenerationRows built once from the done CoT cells), and the smallest
// models that solve the tasks (reproduce/solving_cost.h) in the copy-state and dp-cot sweeps.
//
// Table 1, per model: parameters; state bytes per layer (measured from the live caches; the
// largest layer) at the first and last position t; FLOPs per token (analytic) and ms per token
// (measured median) at both; total FLOPs (analytic) and estimated total ms of generating T = the
// last position; the log-log slopes over the top two octaves of positions (cost::fit_model, the
// same tail as `freelunch cost`) with their growth_label.
// Sanity checks (ClaimSection::sanity_checks; fixed by the architecture, a failure is a bug):
// verdict_growth per model over that tail —
//   state bytes per layer vs t: Mamba flat, Transformer without a window linear, windowed flat;
//   total FLOPs vs T:           Mamba linear, Transformer without a window quadratic, windowed linear.
// Measured times are wall-clock on a shared machine and are shown, never judged.
// Table 2, "measured cost of CoT generation on the DP tasks": the done cells with task.format =
// cot (defaults resolved by RunConfig::from_raw) whose metrics hold "generation" ([{size,
// examples, seconds, tokens}]: greedy generation of the evaluation examples through the step
// path): task, n, model (section_data.h model_label), parameters, tokens and ms per example, and
// the analytic FLOPs of generating that many tokens (cost::total_flops). Omitted, with a note,
// when there is none; cells not done are counted in the notes (status_note).
// The claim ("a Mamba that solves the task costs as much as a Transformer"), per task — copy from
// the copy-state sweep (T = task.max_len), and each DP task whose done CoT cells in the dp-cot
// sweep have ≥ kMinFitPoints values of T = task.n — a table of the smallest solving model of each
// family at each T (censored sizes kept), two log-log plots (state bytes, total FLOPs against T),
// and verdict_no_free_lunch; one table of the fitted exponents of all tasks; the verdict is the
// tasks' verdicts combined (combine_verdicts), inconclusive when there is no such task.
#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

#include "core/error.h"
#include "cost/analytic_cost.h"
#include "cost/cost_report.h"
#include "experiments/sweep_spec.h"
#include "render/table.h"
#include "report/paper_claims.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"
#include "reproduce/section_parts.h"
#include "reproduce/solving_cost.h"
#include "train/run_config.h"

namespace fl::reproduce {
namespace fs = std::filesystem;
namespace {

// The state of one layer after t tokens: the largest measured layer (the largest analytic one if
// none was measured).
double layer_bytes(const cost::CostRow& r) {
  const auto& bytes = r.measured_layer_bytes.empty() ? r.analytic_layer_bytes : r.measured_layer_bytes;
  return bytes.empty() ? 0.0 : static_cast<double>(*std::max_element(bytes.begin(), bytes.end()));
}

ReportTable cost_table(const cost::CostReport& report) {
  ReportTable t{
      "Cost of generation per model (`freelunch cost`, batch 1, step path): first and last position t; "
      "totals of generating T = the last position; slopes of log y on log t over the top two octaves "
      "(flat |s| < 0.25, linear 0.75–1.25, quadratic 1.75–2.25). Times are wall-clock on a shared machine",
      {"model", "parameters", "state B/layer, first t", "last t", "FLOPs/token, first t", "last t", "ms/token, first t",
       "last t", "first t … last t = T", "total FLOPs to T", "est. total ms to T", "fit over t", "slope state",
       "slope FLOPs/token", "slope ms/token", "slope total FLOPs", "slope total time"},
      {}};
  for (const auto& c : report.models) {
    if (c.rows.empty()) continue;
    const cost::CostRow &first = c.rows.front(), &last = c.rows.back();
    const cost::Slopes& s = c.slopes;
    t.rows.push_back({c.label, with_commas(c.parameters), with_commas(static_cast<int64_t>(layer_bytes(first))),
                      with_commas(static_cast<int64_t>(layer_bytes(last))), with_commas(first.flops_per_token),
                      with_commas(last.flops_per_token), number_text(first.median_ms), number_text(last.median_ms),
                      with_commas(first.position) + "…" + with_commas(last.position), number_text(last.total_flops),
                      number_text(last.estimated_total_ms), with_commas(s.from) + "…" + with_commas(s.to),
                      cost::slope_cell(s.state_bytes), cost::slope_cell(s.flops_per_token),
                      cost::slope_cell(s.ms_per_token), cost::slope_cell(s.total_flops), cost::slope_cell(s.total_ms)});
  }
  return t;
}

// Per model, over the fitted tail: state bytes per layer against t, and total FLOPs against T.
std::vector<ClaimVerdict> growth_verdicts(const cost::CostReport& report) {
  std::vector<ClaimVerdict> parts;
  for (const auto& m : report.models) {
    if (m.rows.empty()) continue;
    std::vector<double> t, bytes, totals;
    for (const auto& r : m.rows) {
      if (r.position < m.slopes.from) continue;
      t.push_back(static_cast<double>(r.position)), bytes.push_back(layer_bytes(r)), totals.push_back(r.total_flops);
    }
    const bool full_attention = m.config.has_attention() && m.config.window == 0;
    parts.push_back(verdict_growth(t, bytes, full_attention ? GrowthLaw::linear : GrowthLaw::flat,
                                   m.label + " state bytes per layer vs t"));
    parts.push_back(verdict_growth(t, totals, full_attention ? GrowthLaw::quadratic : GrowthLaw::linear,
                                   m.label + " total FLOPs vs T"));
  }
  return parts;
}

// One generation measurement of a done CoT cell: per example, at one task size.
struct GenerationRow {
  std::string task, model;  // model: section_data.h model_label
  int64_t n = 0;
  std::optional<int64_t> parameters;
  double tokens = 0, ms = 0, flops = 0;  // per example; flops: analytic, of generating that many tokens
};

struct Generation {
  std::vector<GenerationRow> rows;  // by task and n
  int64_t cot_cells = 0;            // done CoT cells, with timings or not
};

// The rows of one CoT cell's metrics "generation" (sizes with no examples left out).
void add_generation_rows(const CellRow& cell, const RunConfig& rc, const std::vector<CellRow>& cells,
                         std::vector<GenerationRow>& rows) {
  const std::string model = cell_model(cell, cells).label;
  try {
    for (const Json& g : cell.metrics.at("generation")) {
      const int64_t size = g.at("size").get<int64_t>(), examples = g.at("examples").get<int64_t>();
      if (examples <= 0) continue;
      const double tokens = g.at("tokens").get<double>() / examples,
                   ms = 1000 * g.at("seconds").get<double>() / examples;
      rows.push_back({rc.task_name, model, size, cell.parameters, tokens, ms,
                      cost::total_flops(rc.model, std::llround(tokens))});
    }
  } catch (const Json::exception& e) {
    throw Error("cell " + cell.hash + " metrics.generation: " + e.what());
  }
}

Generation generation_of(const std::vector<CellRow>& cells) {
  Generation out;
  for (const auto& cell : done_cells(cells)) {
    const RunConfig rc = RunConfig::from_raw(cell_raw_config(cell.config, cell.hash));
    if (!rc.values.has("task.format") || rc.values.get_string("task.format") != "cot") continue;
    ++out.cot_cells;
    if (cell.metrics.is_object() && cell.metrics.contains("generation"))
      add_generation_rows(cell, rc, cells, out.rows);
  }
  std::stable_sort(out.rows.begin(), out.rows.end(), [](const GenerationRow& a, const GenerationRow& b) {
    return std::tie(a.task, a.n) < std::tie(b.task, b.n);
  });
  return out;
}

ReportTable generation_table(const std::vector<GenerationRow>& rows) {
  ReportTable t{
      "Measured cost of CoT generation on the DP tasks: greedy generation of the evaluation examples "
      "through the step path (prompt + chain of thought + answer), per example; analytic FLOPs of "
      "generating that many tokens from an empty state. Times are wall-clock on a shared machine",
      {"task", "n", "model", "parameters", "tokens per example", "ms per example", "analytic FLOPs per example"},
      {}};
  for (const auto& r : rows)
    t.rows.push_back({r.task, with_commas(r.n), r.model, r.parameters ? with_commas(*r.parameters) : "-",
                      formatted("%.1f", r.tokens), number_text(r.ms), number_text(r.flops)});
  return t;
}

// Why table 2 is missing ("" when it is there).
std::string generation_note(const Generation& generation) {
  if (!generation.rows.empty()) return "";
  return generation.cot_cells == 0 ? "No measured CoT generation cost: the dp-cot sweep has no finished CoT cells."
                                   : "No measured CoT generation cost: the finished CoT cells of the dp-cot sweep "
                                     "hold no generation timings.";
}

// The plots `freelunch cost` made, copied into the report.
void add_cost_plots(ClaimSection& section, const fs::path& cost_dir, const SectionContext& context) {
  const std::pair<const char*, const char*> plots[] = {
      {"cost_state_bytes", "Inference state vs position t (all layers), measured and analytic"},
      {"cost_flops_per_token", "FLOPs per generated token vs position t (analytic)"},
      {"cost_ms_per_token", "Time per generated token vs position t, measured, with analytic FLOPs × a fitted constant"},
      {"cost_total_flops", "Total FLOPs of generating T tokens (analytic)"},
      {"cost_total_time", "Total time of generating T tokens, estimated from the measured per-token times"}};
  for (const auto& [stem, caption] : plots)
    section.plots.push_back(copy_plot(cost_dir / stem, context.report_dir, stem, caption));
}

// ---- the smallest model that solves the task (reproduce/solving_cost.h) ----

// One task's smallest solving models.
struct SolvingPart {
  std::string task, name;  // name: "copy", "lis (CoT)"
  std::string size_name;   // "L" (longest string) or "n"
  std::vector<SolvingModel> rows;
};

const std::vector<std::string> kDpTasks = {"lis", "edit_distance", "arithmetic"};

// Copy from the copy-state cells; each DP task whose done CoT cells have ≥ kMinFitPoints values of task.n.
std::vector<SolvingPart> solving_parts(const std::vector<CellRow>& copy_state_cells,
                                       const std::vector<CellRow>& dp_cot_cells) {
  std::vector<SolvingPart> parts;
  const auto copy = done_cells(copy_state_cells, {"copy"});
  if (!copy.empty())
    parts.push_back({"copy", "copy", "L", smallest_solving_models(copy, {"copy", "task.max_len", false})});
  std::vector<CellRow> cot;
  for (const auto& c : done_cells(dp_cot_cells, kDpTasks))
    if (text(c, "task.format", dp_cot_cells) == "cot") cot.push_back(c);
  for (const auto& task : kDpTasks) {
    const auto of_task = done_cells(cot, {task});
    if (static_cast<int>(distinct_numbers(of_task, "task.n").size()) >= kMinFitPoints)
      parts.push_back({task, task + " (CoT)", "n", smallest_solving_models(of_task, {task, "task.n", true})});
  }
  return parts;
}

ReportTable solving_table(const SolvingPart& part) {
  ReportTable t{part.name + ": the smallest model that solves the task at each size (mean accuracy over seeds ≥ " +
                    formatted("%.3g%%", 100 * kAccuracyTarget) +
                    "; the fewest state bytes at the end of one example, then the fewest parameters). One example "
                    "of size " + part.size_name + ": its tokens (prompt + answer, from the task's own examples), "
                    "the state after them (a Transformer's KV cache) and the total FLOPs of running them through "
                    "the step path (analytic)",
                {part.size_name, "family", "smallest solving model", "d_state", "width", "tokens per example",
                 "state bytes", "total FLOPs", "parameters", "accuracy [95%]"},
                {}};
  for (const auto& r : part.rows) {
    const std::string model =
        r.solved ? r.label
                 : "none of the grid's " + with_commas(r.models) + " models reached " +
                       formatted("%.3g%%", 100 * kAccuracyTarget) + " (best: " + r.label + ")";
    t.rows.push_back({number_text(r.size), r.family == ModelFamily::mamba ? "Mamba" : "Transformer", model,
                      number_text(r.d_state), with_commas(r.width), number_text(r.tokens), number_text(r.state_bytes),
                      number_text(r.total_flops), r.parameters ? with_commas(*r.parameters) : "–",
                      accuracy_cell(r.accuracy)});
  }
  return t;
}

const std::pair<ModelFamily, const char*> kFamilies[] = {{ModelFamily::mamba, "Mamba"},
                                                         {ModelFamily::transformer, "Transformer"}};

// Per task and family: the sizes solved and censored, and the two exponents with their 95% intervals.
ReportTable exponents_table(const std::vector<SolvingPart>& parts) {
  ReportTable t{"Exponents of the smallest solving models' cost against the task size T: log-log least-squares "
                "slopes over the sizes solved, with their 95% t intervals (the verdict's numbers)",
                {"task", "family", "sizes solved", "censored", "state bytes exponent", "total FLOPs exponent"},
                {}};
  for (const auto& part : parts)
    for (const auto& [family, name] : kFamilies) {
      std::vector<double> sizes, bytes, flops;
      int64_t censored = 0;
      for (const auto& p : solving_points(part.rows, family)) {
        if (p.censored()) ++censored;
        sizes.push_back(p.size), bytes.push_back(p.state_bytes), flops.push_back(p.total_flops);
      }
      if (sizes.empty()) continue;
      t.rows.push_back({part.name, name, with_commas(static_cast<int64_t>(sizes.size()) - censored),
                        with_commas(censored), slope_text(fit_log_log(sizes, bytes)),
                        slope_text(fit_log_log(sizes, flops))});
    }
  return t;
}

// State bytes and total FLOPs of one example against T, per family (censored sizes are not drawn).
LinePlot solving_plot(const SolvingPart& part, bool flops) {
  const std::string quantity = flops ? "total FLOPs of one example" : "state bytes at the end of one example";
  LinePlot plot{part.name + ": the smallest solving model's " + quantity, "task size " + part.size_name,
                quantity, true, true, {}};
  for (const auto& [family, name] : kFamilies) {
    Series series{name, {}, {}};
    for (const auto& p : solving_points(part.rows, family))
      series.x.push_back(p.size), series.y.push_back(flops ? p.total_flops : p.state_bytes);
    if (!series.x.empty()) plot.series.push_back(series);
  }
  return plot;
}

void add_solving_part(ClaimSection& section, const SolvingPart& part, const SectionContext& context) {
  section.tables.push_back(solving_table(part));
  for (const bool flops : {false, true})
    add_plot(section, solving_plot(part, flops), context.report_dir,
             "cost_solving_" + part.task + (flops ? "_flops" : "_state"),
             part.name + ": " + (flops ? "total FLOPs" : "state bytes") +
                 " of one example against the task size, for the smallest Mamba and Transformer that solve it "
                 "(log-log)");
}

// The claim: per task, verdict_no_free_lunch on its smallest solving models; the tasks combined.
ClaimVerdict cost_verdict(const std::vector<SolvingPart>& parts) {
  if (parts.empty())
    return {ClaimOutcome::inconclusive, paper_claim("cost").rule,
            "no finished copy cells in the copy-state sweep and no DP task with ≥ " + with_commas(kMinFitPoints) +
                " values of task.n in CoT format in the dp-cot sweep"};
  std::vector<ClaimVerdict> verdicts;
  for (const auto& part : parts)
    verdicts.push_back(labelled(part.name, verdict_no_free_lunch(solving_points(part.rows, ModelFamily::mamba),
                                                                 solving_points(part.rows, ModelFamily::transformer),
                                                                 part.name)));
  return verdicts.size() == 1 ? verdicts.front() : combine_verdicts(verdicts);
}

}  // namespace

ClaimSection cost_section(const Json& cost, const fs::path& cost_dir, const std::vector<CellRow>& copy_state_cells,
                          const std::vector<CellRow>& dp_cot_cells, const SectionContext& context) {
  ClaimSection section = section_for_claim("cost");
  section.experiment = context.experiment;
  section.experiment.sweep += "; the copy-state and dp-cot sweeps' trained cells (the smallest solving models)";
  if (cost.is_null()) {
    section.experiment.notes = join_notes(
        {section.experiment.notes, "No stored cost.json of `freelunch cost`: its table and plots are left out."});
  } else {
    const cost::CostReport report = cost::from_json(cost);
    section.tables.push_back(cost_table(report));
    add_cost_plots(section, cost_dir, context);
    section.sanity_checks = growth_verdicts(report);
  }
  const Generation generation = generation_of(dp_cot_cells);
  if (!generation.rows.empty()) section.tables.push_back(generation_table(generation.rows));
  section.experiment.notes =
      join_notes({section.experiment.notes, status_note(dp_cot_cells), generation_note(generation)});
  const std::vector<SolvingPart> parts = solving_parts(copy_state_cells, dp_cot_cells);
  for (const auto& part : parts) add_solving_part(section, part, context);
  if (!parts.empty()) section.tables.push_back(exponents_table(parts));
  section.verdict = cost_verdict(parts);
  return section;
}

}  // namespace fl::reproduce
