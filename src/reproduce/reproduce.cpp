#include "reproduce/reproduce.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/provenance.h"
#include "core/timing.h"
#include "cost/run_cost.h"
#include "experiments/results_merge.h"
#include "experiments/results_store.h"
#include "experiments/sweep_runner.h"
#include "experiments/sweep_store.h"
#include "render/text.h"
#include "report/html_report.h"
#include "report/paper_claims.h"
#include "reproduce/lr_selection.h"
#include "reproduce/report_sections.h"
#include "reproduce/theory_results.h"
#include "reproduce/trained_scores_part.h"
#include "theory/copy_construction.h"
#include "theory/copy_report.h"
#include "theory/local_dp_theory.h"

namespace fl::reproduce {

namespace fs = std::filesystem;

namespace {

constexpr int kParts = 6;  // four sweeps, cost, theory

// A measurement that is not a sweep keeps its settings and run time in part.json, written last:
// with the same settings and its result file present and readable it is not run again.
struct Part {
  fs::path dir, result;  // result: the file the report reads
  Json inputs;

  // Settings unchanged and a result that parses (a damaged one is measured again).
  bool done() const {
    if (!fs::is_regular_file(result) || !fs::is_regular_file(dir / "part.json")) return false;
    try {
      return Json::parse(read_file(dir / "part.json")).value("inputs", Json()) == inputs &&
             Json::parse(read_file(result)).is_object();
    } catch (const Json::exception&) {
      return false;
    }
  }
  void record(double seconds) const {
    write_file_atomic(dir / "part.json", Json{{"inputs", inputs}, {"seconds", seconds}}.dump(2) + "\n");
  }
  double seconds() const {
    try {
      return Json::parse(read_file(dir / "part.json")).value("seconds", 0.0);
    } catch (const std::exception&) {
      return 0;
    }
  }
};

Part cost_part(const Suite& suite, const fs::path& dir) {
  return {dir / "cost", dir / "cost" / "cost.json", suite.cost_json()};
}
Part copy_theory_part(const Suite& suite, const fs::path& dir) {
  return {dir / "theory" / "copy", dir / "theory" / "copy" / "theory.json", suite.theory_json()};
}
Part local_dp_theory_part(const Suite& suite, const fs::path& dir) {
  return {dir / "theory" / "local-dp", dir / "theory" / "local-dp" / "theory.json", suite.theory_json()};
}
// The scores of the models `cells` (cells_for_scores of the copy-state sweep) were trained into:
// measured again when the chosen cells change.
Part scores_part(const fs::path& dir, const std::vector<CellRow>& cells) {
  Json hashes = Json::array();
  for (const auto& row : cells) hashes.push_back(row.hash);
  const theory::CopyScoreOptions options;
  return {dir / "theory" / "scores", dir / "theory" / "scores" / "scores.json",
          {{"cells", hashes}, {"samples", options.samples}, {"seed", options.seed}, {"epsilon", options.epsilon}}};
}
fs::path sweep_dir(const fs::path& dir, const std::string& id) { return dir / "sweeps" / id; }

// The options of one suite sweep: its directory under DIR, and its store.
SweepOptions sweep_options(const Suite& suite, const SuiteSweep& sweep, const ReproduceOptions& o) {
  SweepOptions so;
  so.dir = sweep_dir(o.dir, sweep.id);
  so.store = o.store;
  if (!o.store.empty()) so.store_name = store_sweep_name(suite, sweep);
  so.workers = o.workers;
  so.progress = o.progress;
  return so;
}

// The sweep's cells that the suite still has (an edited suite leaves its old cells in the database).
std::vector<CellRow> sweep_rows(const Suite& suite, const ReproduceOptions& o, const SuiteSweep& sweep) {
  const SweepOptions so = sweep_options(suite, sweep, o);
  const std::string location = so.store.empty() ? so.dir.string() : so.store;
  if (!sweep_store_exists(location, so.store_name)) return {};
  const auto wanted = sweep.spec.hashes();
  std::vector<CellRow> rows;
  for (auto& row : open_sweep_store(sweep.spec, so, SweepStore::Open::kReadOnly)->rows())
    if (wanted.count(row.hash)) rows.push_back(std::move(row));
  return rows;
}

void header(const ReproduceOptions& o, int part, const std::string& text) {
  if (o.progress) std::fprintf(stderr, "[%d/%d] %s\n", part, kParts, text.c_str());
}

// Runs one suite sweep (only o.shard's cells, into its shard database, when given); true when it
// trained any cell.
bool run_suite_sweep(const Suite& suite, const SuiteSweep& sweep, int part, const ReproduceOptions& o) {
  SweepOptions so = sweep_options(suite, sweep, o);
  const SweepSpec spec = o.shard ? shard_spec(sweep.spec, *o.shard) : sweep.spec;
  if (o.shard) {
    check_shard_count(so.dir, *o.shard);
    so.database = shard_database(so.dir, *o.shard);
  }
  if (o.workers > 1) {
    SweepOptions absolute = so;
    absolute.dir = fs::absolute(so.dir);
    so.worker_command = o.worker_command(fs::absolute(sweep.file), absolute, suite.seeds);
  }
  header(o, part, sweep.id + ": sweep " + sweep.file.string() + ", " + std::to_string(spec.cells.size()) + " cells");
  const SweepSummary summary = run_sweep(spec, so);
  if (o.progress) {
    for (const auto& failure : summary.failures) std::fprintf(stderr, "  failed %s\n", failure.c_str());
    std::fprintf(stderr, "  %s\n", summary.line(spec.name).c_str());
  }
  return summary.done > 0 || summary.failed > 0;
}

// Merges the shard databases of every sweep that has some into its results.sqlite.
void merge_shards(const Suite& suite, const ReproduceOptions& o) {
  for (const auto& sweep : suite.sweeps) {
    const fs::path dir = sweep_dir(o.dir, sweep.id);
    if (shard_databases(dir).empty()) continue;
    const MergeSummary merged = merge_results(dir, {});
    if (o.progress) std::fprintf(stderr, "%s: %s\n", sweep.id.c_str(), merged.line().c_str());
  }
}

bool run_cost_part(const Suite& suite, const ReproduceOptions& o) {
  const Part part = cost_part(suite, o.dir);
  if (part.done()) {
    header(o, 5, "cost: reused " + part.result.string());
    return false;
  }
  header(o, 5, "cost: state, FLOPs and time per token against the position");
  cost::CostOptions co;
  co.quick = suite.cost.quick;
  co.positions = suite.cost.positions;
  co.tokens = suite.cost.tokens;
  co.validate = suite.cost.validate;
  co.out_dir = part.dir;
  co.progress = o.progress;
  const auto report = cost::run_cost(co);
  part.record(report.seconds);
  return true;
}

double seconds_of(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return seconds_since(start);
}

bool run_theory_part(const Suite& suite, const ReproduceOptions& o) {
  const Part copy = copy_theory_part(suite, o.dir), local = local_dp_theory_part(suite, o.dir);
  const SuiteSweep& copy_sweep = suite.sweep("copy-state");
  const auto score_cells = cells_for_scores(select_learning_rates(sweep_rows(suite, o, copy_sweep)).cells);
  const Part scores = scores_part(o.dir, score_cells);
  if (copy.done() && local.done() && (score_cells.empty() || scores.done())) {
    header(o, 6, "theory: reused " + copy.result.string() + ", " + local.result.string() +
                     (score_cells.empty() ? "" : " and " + scores.result.string()));
    return false;
  }
  header(o, 6, "theory: the COPY and local-DP constructions, and the scores of trained copy models");
  if (!copy.done()) {
    theory::CopyTheoryOptions co;
    co.out = copy.dir;
    co.max_n = suite.theory.copy_max_n;
    co.samples = suite.theory.copy_samples;
    co.progress = o.progress;
    copy.record(seconds_of([&] {
      write_file_atomic(copy.result, copy_theory_json(co, theory::run_copy_theory(co)).dump(2) + "\n");
    }));
  }
  if (!local.done()) {
    theory::LocalDpTheoryOptions lo;
    lo.out_dir = local.dir;
    lo.max_tokens = suite.theory.local_dp_max_t;
    lo.max_prefix_n = suite.theory.local_dp_max_n;
    lo.examples = suite.theory.local_dp_examples;
    lo.progress = o.progress;
    local.record(seconds_of([&] {
      write_file_atomic(local.result, local_dp_theory_json(lo, theory::run_local_dp_theory(lo)).dump(2) + "\n");
    }));
  }
  if (!score_cells.empty() && !scores.done()) {
    scores.record(seconds_of([&] {
      const auto stored = measure_trained_scores(score_cells, sweep_dir(o.dir, copy_sweep.id), scores.dir, {});
      write_file_atomic(scores.result, trained_scores_json(stored).dump(2) + "\n");
    }));
  }
  return true;
}

Json stored_json(const fs::path& file) {
  if (!fs::is_regular_file(file)) return Json();
  try {
    return Json::parse(read_file(file));
  } catch (const Json::exception& e) {
    throw Error(file.string() + ": not valid JSON (" + std::string(e.what()) + "); delete it to measure again");
  }
}

// A claim whose measurement is missing: its section says so.
ClaimSection not_measured(const std::string& id, const ExperimentSummary& experiment, const std::string& what) {
  ClaimSection s = section_for_claim(id);
  s.experiment = experiment;
  s.verdict = {ClaimOutcome::inconclusive, paper_claim(id).rule, what + " not measured yet (run freelunch reproduce)"};
  return s;
}

ExperimentSummary sweep_summary(const SuiteSweep& sweep) {
  ExperimentSummary e;
  e.sweep = sweep.spec.name + " (" + std::to_string(sweep.spec.cells.size()) + " cells, " +
            sweep.file.filename().string() + ")";
  return e;
}

// Run metadata from the stored results: commit, date, threads and machine of the last run that computed
// anything; the time is the compute time stored with the results (cells' wall time, cost, theory).
RunMetadata stored_metadata(const Suite& suite, const ReproduceOptions& o,
                            const std::map<std::string, std::vector<CellRow>>& rows) {
  RunMetadata run;
  run.suite = suite.name;
  const Json stored = stored_json(o.dir / "provenance.json");
  if (stored.is_object()) {
    const Provenance provenance = Provenance::from_json(stored);
    run.date = provenance.date, run.git_commit = provenance.commit, run.threads = provenance.threads;
    run.machine = provenance.machine;
  }
  for (const auto& [id, cells] : rows)
    for (const auto& row : cells)
      if (row.status == CellStatus::kDone && row.wall_seconds) run.seconds += *row.wall_seconds;
  for (const Part& p : {cost_part(suite, o.dir), copy_theory_part(suite, o.dir), local_dp_theory_part(suite, o.dir),
                        scores_part(o.dir, cells_for_scores(rows.at("copy-state")))})
    run.seconds += p.seconds();
  return run;
}

}  // namespace

ReproduceResult build_report(const Suite& suite, const ReproduceOptions& o) {
  const fs::path report_dir = o.dir / "report";
  fs::create_directories(report_dir);
  ReproduceResult result;
  ClaimReport& r = result.report;
  std::map<std::string, std::vector<CellRow>> rows;  // sweep id → the suite's cells, read once
  for (const auto& sweep : suite.sweeps) rows[sweep.id] = sweep_rows(suite, o, sweep);
  r.title = "freelunch reproduce: can Mamba always enjoy the free lunch?";
  r.run = stored_metadata(suite, o, rows);  // the compute time of every cell, chosen or not
  std::map<std::string, std::vector<LrChoice>> lr_choices;  // sweep id → its learning-rate choices
  for (auto& [id, cells] : rows) {
    LrSelection selection = select_learning_rates(cells);
    cells = std::move(selection.cells);
    lr_choices[id] = std::move(selection.choices);
  }
  r.intro =
      "Each claim of Ren, Li & Liu (arXiv 2410.03810) as reconstructed in docs/SOURCES.md §3 from the "
      "paper's abstracts and public summaries (its full text was not available), next to the "
      "experiment that tests it, the measured numbers and a verdict computed from them by the stated rule "
      "(docs/REPORT.md). Suite `" +
      suite.dir.string() + "`; results in `" + o.dir.string() +
      "`. The report is built from those stored results alone: delete this directory and rerun "
      "`freelunch reproduce` to get it back.";

  const auto section_for_sweep = [&](const std::string& id, auto build) {
    const SuiteSweep& sweep = suite.sweep(id);
    SectionContext context{sweep_summary(sweep), report_dir};
    if (rows[id].empty()) return not_measured(id, context.experiment, "sweep " + sweep.spec.name);
    ClaimSection section = build(rows[id], context);
    if (!lr_choices[id].empty()) section.tables.push_back(lr_table(lr_choices[id]));
    return section;
  };
  r.sections.push_back(section_for_sweep("copy-state", copy_state_section));
  r.sections.push_back(section_for_sweep("sample-efficiency", sample_efficiency_section));
  r.sections.push_back(section_for_sweep("dp-cot", dp_cot_section));
  r.sections.push_back(section_for_sweep("locality", locality_section));

  const Part cost = cost_part(suite, o.dir);
  ExperimentSummary cost_experiment{"freelunch cost", "", "",
                                    "Settings (suite.toml [cost]): " + suite.cost_json().dump()};
  const Json cost_json = stored_json(cost.result);
  r.sections.push_back(cost_json.is_null() ? not_measured("cost", cost_experiment, "cost")
                                           : cost_section(cost_json, cost.dir, rows["copy-state"], rows["dp-cot"],
                                                          {cost_experiment, report_dir}));

  const Part copy = copy_theory_part(suite, o.dir), local = local_dp_theory_part(suite, o.dir);
  ExperimentSummary theory_experiment{"freelunch theory copy, freelunch theory local-dp", "", "",
                                      "Settings (suite.toml [theory]): " + suite.theory_json().dump()};
  const Json copy_json = stored_json(copy.result), local_json = stored_json(local.result);
  const Part scores = scores_part(o.dir, cells_for_scores(rows["copy-state"]));
  const Json scores_json = scores.done() ? stored_json(scores.result) : Json();
  r.sections.push_back(copy_json.is_null() || local_json.is_null()
                           ? not_measured("theory", theory_experiment, "the theory constructions were")
                           : theory_section(copy_json, copy.dir, local_json, local.dir, scores_json, scores.dir,
                                            {theory_experiment, report_dir}));

  result.index_md = write_report_markdown(r, report_dir);
  result.index_html = write_report_html(r, report_dir);
  return result;
}

ReproduceResult run_reproduce(const Suite& suite, const ReproduceOptions& o) {
  require(o.workers >= 1, "--workers must be ≥ 1");
  require(o.workers == 1 || o.worker_command, "reproduce: several workers need a worker command");
  require(!(o.shard && !o.store.empty()),
          "--shard and --store are alternatives: a PostgreSQL store is already shared by every machine");
  fs::create_directories(o.dir);
  int64_t computed = 0;
  if (o.shard) {
    int part = 0;
    for (const auto& sweep : suite.sweeps) computed += run_suite_sweep(suite, sweep, ++part, o);
    ReproduceResult result;
    result.computed = computed;
    return result;
  }
  if (o.store.empty()) merge_shards(suite, o);
  if (!o.report_only) {
    int part = 0;
    for (const auto& sweep : suite.sweeps) computed += run_suite_sweep(suite, sweep, ++part, o);
    computed += run_cost_part(suite, o);
    computed += run_theory_part(suite, o);
    if (computed > 0)
      write_file_atomic(
          o.dir / "provenance.json",
          Provenance::now(o.repo_dir, at::get_num_threads()).to_json().dump(2) + "\n");
  }
  ReproduceResult result = build_report(suite, o);
  result.computed = computed;
  return result;
}

std::string store_sweep_name(const Suite& suite, const SuiteSweep& sweep) { return suite.name + "/" + sweep.id; }

std::string verdict_table(const ClaimReport& report) {
  // Left-aligned by hand: TextTable would right-align the titles, which start with a number.
  size_t width = 5;
  for (const auto& s : report.sections) width = std::max(width, utf8_width(s.title));
  const auto line = [&](const std::string& left, const std::string& right) {
    return left + std::string(width - utf8_width(left) + 2, ' ') + right + "\n";
  };
  std::string out = line("claim", "verdict") + std::string(width + 2 + 13, '-') + "\n";
  for (const auto& s : report.sections) out += line(s.title, to_string(s.verdict.outcome));
  for (const auto& s : report.sections) out += "\n" + s.title + ": " + s.verdict.because + "\n";
  std::map<ClaimOutcome, int64_t> checks;
  std::string failed;
  for (const auto& s : report.sections)
    for (const auto& check : s.sanity_checks) {
      ++checks[check.outcome];
      if (check.outcome == ClaimOutcome::not_supported) failed += "  FAILED (a bug): " + check.because + "\n";
    }
  if (!checks.empty())
    out += "\nsanity checks: " + std::to_string(checks[ClaimOutcome::supported]) + " passed, " +
           std::to_string(checks[ClaimOutcome::not_supported]) + " failed, " +
           std::to_string(checks[ClaimOutcome::inconclusive]) + " not checked\n" + failed;
  return out;
}

}  // namespace fl::reproduce
