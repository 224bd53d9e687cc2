// The theory and cost sections of the `freelunch reproduce` report (reproduce/report_sections.h)
// and the stored theory JSON (reproduce/theory_results.h): round trips, table numbers, copied
// plots, verdicts on real tiny theory runs and on planted wrong numbers, and byte-identical
// rebuilds.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "cost/analytic_cost.h"
#include "render/table.h"
#include "report/claim_report.h"
#include "reproduce/report_sections.h"
#include "reproduce/section_data.h"
#include "reproduce/theory_results.h"
#include "support/fixtures.h"

namespace fl::reproduce {
namespace {

// A section's sanity checks as one verdict (the weakest check decides).
ClaimVerdict sanity(const ClaimSection& s) { return combine_verdicts(s.sanity_checks); }

namespace fs = std::filesystem;
using test_support::files_in;
using test_support::TempDir;

// Every file under dir, by relative path, with its bytes.
std::string markdown_of(const ClaimSection& section, const fs::path& dir) {
  ClaimReport report;
  report.title = "test";
  report.sections = {section};
  return render_report_markdown(report, dir);
}

// The tiny real theory runs, shared by the tests (run once: ≈ 1 s).
struct TheoryRuns {
  TempDir dir;
  theory::CopyTheoryOptions copy_options;
  theory::LocalDpTheoryOptions local_dp_options;
  Json copy, local_dp;
  TheoryRuns() {
    copy_options.out = dir / "theory" / "copy";
    copy_options.max_n = 8, copy_options.samples = 2, copy_options.state = 4, copy_options.progress = false;
    copy_options.frontier.max_score = 4, copy_options.frontier.restarts = 2;  // B = 1, 2, 4
    const auto copy_result = theory::run_copy_theory(copy_options);
    write_file_atomic(copy_options.out / "theory.json", copy_theory_json(copy_options, copy_result).dump(2));
    local_dp_options.out_dir = dir / "theory" / "local-dp";
    local_dp_options.locality = 2, local_dp_options.modulus = 5, local_dp_options.max_tokens = 30;
    local_dp_options.max_prefix_n = 4, local_dp_options.examples = 2, local_dp_options.progress = false;
    local_dp_options.max_pointer_n = 4;
    const auto dp_result = theory::run_local_dp_theory(local_dp_options);
    write_file_atomic(local_dp_options.out_dir / "theory.json",
                      local_dp_theory_json(local_dp_options, dp_result).dump(2));
    // What the section reads: the stored files, not the live results.
    copy = Json::parse(read_file(copy_options.out / "theory.json"));
    local_dp = Json::parse(read_file(local_dp_options.out_dir / "theory.json"));
  }
};
const TheoryRuns& runs() {
  static const TheoryRuns r;
  return r;
}

ClaimSection theory_of(const Json& copy, const Json& local_dp, const fs::path& report_dir) {
  const auto& r = runs();
  return theory_section(copy, r.copy_options.out, local_dp, r.local_dp_options.out_dir, Json(), fs::path(),
                        {{"theory", "grid", "budget", ""}, report_dir});
}

TEST(TheoryResults, JsonRoundTripKeepsEveryNumberAndStoresNaNAsNull) {
  theory::CopyTheoryOptions o;
  o.max_n = 4, o.seed = 7, o.dtype = "float32";
  theory::CopyTheoryResult r;
  r.decay = 0.75;
  r.lengths.push_back({});
  r.lengths[0].n = 4, r.lengths[0].exact_error = NAN, r.lengths[0].constant_error_beyond = -1;
  r.lengths[0].kv_cache_bytes = 256, r.lengths[0].logit_scale_needed = 7.25;
  r.distances.push_back({2, 0.0, 1e-4, -1, 3.5, 3.25});
  const Json j = copy_theory_json(o, r);
  const std::string text = j.dump();
  EXPECT_EQ(text, copy_theory_json(o, r).dump());  // deterministic
  EXPECT_TRUE(Json::parse(text).at("lengths").at(0).at("exact_error").is_null());
  const StoredCopyTheory back = read_copy_theory_json(Json::parse(text));
  EXPECT_EQ(back.options.max_n, 4);
  EXPECT_EQ(back.options.seed, 7u);
  EXPECT_EQ(back.options.dtype, "float32");
  EXPECT_DOUBLE_EQ(back.result.decay, 0.75);
  ASSERT_EQ(back.result.lengths.size(), 1u);
  EXPECT_TRUE(std::isnan(back.result.lengths[0].exact_error));
  EXPECT_EQ(back.result.lengths[0].constant_error_beyond, -1);
  EXPECT_EQ(back.result.lengths[0].kv_cache_bytes, 256);
  EXPECT_DOUBLE_EQ(back.result.lengths[0].logit_scale_needed, 7.25);
  ASSERT_EQ(back.result.distances.size(), 1u);
  EXPECT_DOUBLE_EQ(back.result.distances[0].theorem_score, 3.25);
  EXPECT_EQ(copy_theory_json(back.options, back.result).dump(), text);

  Json broken = j;
  broken.at("lengths").at(0).erase("exact_step_error");
  try {
    read_copy_theory_json(broken);
    FAIL() << "no error for a missing key";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("copy theory JSON"), std::string::npos) << message;
    EXPECT_NE(message.find("exact_step_error"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(TheoryResults, CopyRoundTripOfARealRunKeepsTheFrontier) {
  const auto& r = runs();
  const StoredCopyTheory back = read_copy_theory_json(r.copy);
  EXPECT_EQ(copy_theory_json(back.options, back.result), r.copy);
  ASSERT_EQ(back.result.frontier.rows.size(), 3u);  // B = 1, 2, 4
  EXPECT_FALSE(back.result.frontier.cells.empty());
  EXPECT_EQ(back.options.frontier.max_score, 4);
}

TEST(TheoryResults, LocalDpRoundTripOfARealRun) {
  const auto& r = runs();
  const StoredLocalDpTheory back = read_local_dp_theory_json(r.local_dp);
  EXPECT_EQ(local_dp_theory_json(back.options, back.result), r.local_dp);
  EXPECT_EQ(back.options.modulus, 5);
  EXPECT_EQ(back.result.window, 4);  // K = 2m
  ASSERT_EQ(back.result.smallest.size(), 4u);
  for (const auto& row : back.result.smallest) EXPECT_EQ(row.window, row.n + 1);
  EXPECT_NEAR(back.result.smallest_fit.slope, 4.0 * static_cast<double>(back.result.prefix_channels), 1e-9);
  ASSERT_FALSE(back.result.interleaved.empty());
  EXPECT_TRUE(back.result.interleaved.back().accuracy.generated);
  EXPECT_DOUBLE_EQ(back.result.interleaved.back().accuracy.gen.whole, 1.0);
}

TEST(TheorySection, RealTinyRunsAreSupportedWithTablesAndPlots) {
  TempDir report;
  const auto& r = runs();
  const ClaimSection s = theory_of(r.copy, r.local_dp, report.path());
  EXPECT_EQ(s.id, "theory");
  EXPECT_EQ(s.experiment.sweep, "theory");
  // The claim: gradient descent within Theorem 1's bound. The constructions are sanity checks.
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::supported) << s.verdict.because;
  EXPECT_NE(s.verdict.because.find("Theorem 1 measured"), std::string::npos) << s.verdict.because;
  ASSERT_EQ(s.sanity_checks.size(), 8u);
  for (size_t i = 0; i < 6; ++i)
    EXPECT_EQ(s.sanity_checks[i].outcome, ClaimOutcome::supported) << s.sanity_checks[i].because;
  for (const auto& check : s.sanity_checks)  // the state-growth checks may lack the 4 sizes a law comparison needs
    EXPECT_NE(check.outcome, ClaimOutcome::not_supported) << check.because;
  const std::string checks = sanity(s).because;
  for (const char* part : {"Theorem 3", "Theorem 1 (", "Theorem 2", "Theorem 5", "Baseline",
                           "Theorem 4 (local_dp prefix at", "Theorem 4 (pointer_dp"})
    EXPECT_NE(checks.find(part), std::string::npos) << part;
  // copy, frontier, SSM ring, pointer_dp, conv baseline, prefix at K, smallest prefix state
  ASSERT_EQ(s.tables.size(), 7u);
  EXPECT_EQ(s.tables[1].rows.size(), r.copy["frontier"]["rows"].size());
  ASSERT_EQ(s.tables[2].rows.size(), r.local_dp["ring"].size());
  EXPECT_EQ(s.tables[2].rows.back()[2], "1.000");  // the ring: generated exact at the longest T
  EXPECT_EQ(s.tables[3].rows.size(), r.local_dp["pointer"].size());
  const auto& copy_rows = s.tables[0].rows;  // N = 4, 8
  ASSERT_EQ(copy_rows.size(), 2u);
  EXPECT_EQ(copy_rows[1][0], "8");
  EXPECT_EQ(copy_rows[0][4], "-");              // N = 4 ≤ S + 1: no source beyond the state
  EXPECT_GT(std::stod(copy_rows[1][4]), 1e-3);  // beyond the state: fails
  EXPECT_EQ(copy_rows[1][9], with_commas(r.copy["lengths"][1]["exact_state_bytes"].get<int64_t>()));
  const auto& prefix_rows = s.tables[5].rows;  // n = 1 … 4 at K = 4
  ASSERT_EQ(prefix_rows.size(), 4u);
  EXPECT_EQ(prefix_rows[2][2], "exact");  // n = 3: n + 1 ≤ 4
  EXPECT_EQ(prefix_rows[3][2], "fails");
  EXPECT_EQ(prefix_rows[3][3], "0.000");
  ASSERT_EQ(s.plots.size(), 9u);
  for (const auto& p : s.plots) {
    EXPECT_TRUE(p.files.rendered) << p.files.csv;
    for (const auto& f : {p.files.csv, p.files.script, p.files.png, p.files.svg}) {
      EXPECT_EQ(f.parent_path(), report.path());
      EXPECT_TRUE(fs::exists(f)) << f;
    }
  }
  EXPECT_EQ(read_file(report / "theory_copy_state_bytes.csv"), read_file(r.copy_options.out / "copy_state_bytes.csv"));
  const std::string script = read_file(report / "theory_local_dp_exactness_vs_T.gp");
  EXPECT_NE(script.find("'theory_local_dp_exactness_vs_T.csv'"), std::string::npos);
  EXPECT_NE(script.find("'theory_local_dp_exactness_vs_T.png'"), std::string::npos);
  EXPECT_EQ(script.find("'exactness_vs_T."), std::string::npos);
}

TEST(TheorySection, RebuildingGivesTheSameBytes) {
  TempDir report;
  const auto& r = runs();
  const std::string first = markdown_of(theory_of(r.copy, r.local_dp, report.path()), report.path());
  const auto files = files_in(report.path());
  const std::string second = markdown_of(theory_of(r.copy, r.local_dp, report.path()), report.path());
  EXPECT_EQ(first, second);
  EXPECT_EQ(files, files_in(report.path()));
  EXPECT_EQ(files.size(), 9u * 4u);
}

TEST(TheorySection, PlantedWrongNumbersAreNotSupported) {
  TempDir report;
  const auto& r = runs();
  Json copy = r.copy;
  copy["lengths"][1]["exact_error"] = 0.5;  // Theorem 3 at N = 8 no longer exact
  ClaimSection s = theory_of(copy, r.local_dp, report.path());
  EXPECT_EQ(sanity(s).outcome, ClaimOutcome::not_supported) << "a construction that fails is a bug";
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::supported) << "… not evidence against the claim";
  EXPECT_NE(sanity(s).because.find("forward at N = 8 (error 0.5, expected exact)"), std::string::npos)
      << sanity(s).because;

  Json local_dp = r.local_dp;
  local_dp["prefix_fixed"][3]["accuracy"]["gen"]["whole"] = 1.0;  // n = 4 ≥ K exact: contradicts Theorem 4
  s = theory_of(r.copy, local_dp, report.path());
  EXPECT_EQ(sanity(s).outcome, ClaimOutcome::not_supported);
  EXPECT_NE(sanity(s).because.find("n = 4 (error 0, expected failure)"), std::string::npos) << sanity(s).because;

  local_dp = r.local_dp;  // the SSM ring still exact with its SSM switched off: the state did no work
  local_dp["ring"][local_dp["ring"].size() - 1]["ablated"]["gen"]["whole"] = 1.0;  // the longest T: n > m
  s = theory_of(r.copy, local_dp, report.path());
  EXPECT_EQ(sanity(s).outcome, ClaimOutcome::not_supported);
  EXPECT_NE(sanity(s).because.find("SSM off, T = "), std::string::npos) << sanity(s).because;

  copy = r.copy;  // gradient descent copying beyond Theorem 1's bound
  ASSERT_FALSE(copy["frontier"]["rows"].empty());
  copy["frontier"]["rows"][0]["longest"] = 1000;
  s = theory_of(copy, r.local_dp, report.path());
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::not_supported);
  EXPECT_NE(s.verdict.because.find("gradient descent copied L = 1,000, beyond the bound"), std::string::npos)
      << s.verdict.because;
}

TEST(TheorySection, MissingResultsAreInconclusiveAndMissingPlotsNameTheCsv) {
  TempDir report;
  const auto& r = runs();
  const ClaimSection s = theory_of(Json(), r.local_dp, report.path());
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::inconclusive);
  EXPECT_EQ(s.tables.size(), 5u);
  EXPECT_EQ(s.plots.size(), 4u);
  EXPECT_NE(s.experiment.notes.find("theory copy"), std::string::npos);
  try {
    copy_plot(report / "nothing_here", report / "out", "x", "caption");
    FAIL() << "no error for a missing plot";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nothing_here.csv"), std::string::npos) << e.what();
  }
}

// cost.json as cost_report.cpp's to_json writes it, for two models over t = 1, 2, 4, …, 1024:
// per-layer state bytes and total FLOPs given as functions of t.
Json model_json(const std::string& label, const Json& config, double (*bytes)(double), double (*total)(double)) {
  Json rows = Json::array();
  for (int64_t t = 1; t <= 1024; t *= 2) {
    const int64_t b = static_cast<int64_t>(bytes(static_cast<double>(t)));
    rows.push_back({{"position", t},
                    {"analytic_layer_state_bytes", b},
                    {"measured_layer_state_bytes", {b, b}},
                    {"allocated_state_bytes", 4 * b},
                    {"flops_per_token", 1000 + t},
                    {"mixer_flops_per_token", t},
                    {"state_bytes_read_per_token", b},
                    {"median_ms_per_token", 0.5},
                    {"min_ms_per_token", 0.4},
                    {"total_flops", total(static_cast<double>(t))},
                    {"estimated_total_ms", 0.5 * t}});
  }
  return {{"label", label}, {"config", config}, {"parameters", 12345}, {"rows", rows}, {"ms_per_flop", 1e-6}};
}
double flat_bytes(double) { return 2048; }
double linear_bytes(double t) { return 512 * t; }
double linear_total(double t) { return 1000 * t; }
double quadratic_total(double t) { return 1000 * t + 64 * t * t; }

Json cost_json(bool swapped) {
  const Json mamba = {{"type", "mamba"}, {"d_model", 64}};
  const Json transformer = {{"type", "transformer"}, {"d_model", 64}, {"window", 0}};
  const Json windowed = {{"type", "transformer"}, {"d_model", 64}, {"window", 16}};
  return {{"models",
           {model_json("Mamba", mamba, swapped ? linear_bytes : flat_bytes, linear_total),
            model_json("Transformer", transformer, swapped ? flat_bytes : linear_bytes, quadratic_total),
            model_json("Transformer, window 16", windowed, flat_bytes, linear_total)}},
          {"threads", 2},
          {"timed_tokens", 8},
          {"seconds", 1.0},
          {"bytes_match", true}};
}

// Stand-ins for the plots of write_cost_files (copy_plot does not read them).
void write_cost_plots(const fs::path& dir) {
  fs::create_directories(dir);
  for (const char* stem :
       {"cost_state_bytes", "cost_flops_per_token", "cost_ms_per_token", "cost_total_flops", "cost_total_time"})
    for (const char* extension : {".csv", ".gp", ".png", ".svg"})
      write_file_atomic(dir / (std::string(stem) + extension), std::string(stem) + extension);
}

CellRow dp_cell(const std::string& hash, const Json& config, CellStatus status, const Json& metrics) {
  CellRow c;
  c.hash = hash, c.config = config, c.status = status, c.metrics = metrics, c.parameters = 999;
  return c;
}

std::vector<CellRow> dp_cells() {
  const Json generation = {{"generation", {{{"size", 5}, {"examples", 4}, {"seconds", 0.02}, {"tokens", 100}}}}};
  return {dp_cell("a", {{"task.name", "lis"}, {"task.n", 5}, {"model.type", "mamba"}}, CellStatus::kDone, generation),
          dp_cell("b", {{"task.name", "lis"}, {"task.n", 5}, {"task.format", "direct"}}, CellStatus::kDone, generation),
          dp_cell("c", {{"task.name", "lis"}, {"task.n", 5}}, CellStatus::kFailed, generation),
          dp_cell("d", {{"task.name", "lis"}, {"task.n", 5}, {"model.type", "transformer"}}, CellStatus::kDone,
                  Json::object())};
}

ClaimSection cost_of(const Json& cost, const fs::path& cost_dir, const std::vector<CellRow>& cells,
                     const fs::path& report_dir) {
  return cost_section(cost, cost_dir, {}, cells, {{"cost", "models", "", ""}, report_dir});
}

TEST(CostSection, FlatMambaAndLinearTransformerPassTheSanityChecks) {
  TempDir dir;
  write_cost_plots(dir / "cost");
  const ClaimSection s = cost_of(cost_json(false), dir / "cost", dp_cells(), dir / "report");
  EXPECT_EQ(s.id, "cost");
  EXPECT_EQ(sanity(s).outcome, ClaimOutcome::supported) << sanity(s).because;
  EXPECT_NE(sanity(s).because.find("Transformer total FLOPs vs T: slope"), std::string::npos) << sanity(s).because;
  // Fixed-size models' state and FLOPs follow from the architecture: the claim is not judged on them,
  // but on the smallest models that solve the tasks, and one CoT size (lis n = 5) is too few.
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::inconclusive) << s.verdict.because;
  EXPECT_NE(s.verdict.because.find("no DP task with ≥ 3 values of task.n"), std::string::npos) << s.verdict.because;
  ASSERT_EQ(s.tables.size(), 2u);
  const auto& models = s.tables[0].rows;
  ASSERT_EQ(models.size(), 3u);
  EXPECT_EQ(models[1][0], "Transformer");
  EXPECT_EQ(models[1][1], "12,345");
  EXPECT_EQ(models[1][2], "512");      // state bytes per layer at t = 1
  EXPECT_EQ(models[1][3], "524,288");  // … at t = 1024
  EXPECT_EQ(models[1][8], "1…1,024");
  EXPECT_EQ(models[1][9], "68,132,864");  // 1000·1024 + 64·1024²
  EXPECT_EQ(models[1][11], "256…1,024");
  EXPECT_EQ(models[0][12], "0.00 flat");
  EXPECT_EQ(models[1][12], "1.00 linear");
  EXPECT_EQ(models[1][15].substr(models[1][15].size() - 9), "quadratic");

  const auto& cot = s.tables[1].rows;  // only the done CoT cell with timings (format cot by default)
  ASSERT_EQ(cot.size(), 1u);
  ModelConfig mamba;  // the defaults the cell leaves unset, with the lis vocabulary
  mamba.vocab_size = test_support::config_from_json(R"({"task": {"name": "lis", "n": 5}})").model.vocab_size;
  mamba.dt_rank = 4;
  EXPECT_EQ(cot[0], (std::vector<std::string>{"lis", "5", "mamba d64×2 N16", "999", "25.0", "5",
                                              number_text(cost::total_flops(mamba, 25))}));
  EXPECT_NE(s.experiment.notes.find("1 of 4 cells are not in the tables (1 failed"), std::string::npos)
      << s.experiment.notes;
  ASSERT_EQ(s.plots.size(), 5u);
  EXPECT_EQ(read_file(dir / "report" / "cost_total_flops.png"), "cost_total_flops.png");
}

TEST(CostSection, GrowingMambaStateFailsASanityCheck) {
  TempDir dir;
  write_cost_plots(dir / "cost");
  const ClaimSection s = cost_of(cost_json(true), dir / "cost", {}, dir / "report");
  EXPECT_EQ(sanity(s).outcome, ClaimOutcome::not_supported);
  EXPECT_NE(sanity(s).because.find("Mamba state bytes per layer vs t: slope 1.00 (linear)"), std::string::npos)
      << sanity(s).because;
  EXPECT_EQ(s.tables.size(), 1u);  // no CoT cells: the table is omitted …
  EXPECT_NE(s.experiment.notes.find("no finished CoT cells"), std::string::npos);  // … and the note says why
}

TEST(CostSection, RebuildingGivesTheSameBytesAndNoCostIsInconclusive) {
  TempDir dir;
  write_cost_plots(dir / "cost");
  const std::string first =
      markdown_of(cost_of(cost_json(false), dir / "cost", dp_cells(), dir / "report"), dir / "report");
  const auto files = files_in(dir / "report");
  EXPECT_EQ(first, markdown_of(cost_of(cost_json(false), dir / "cost", dp_cells(), dir / "report"), dir / "report"));
  EXPECT_EQ(files, files_in(dir / "report"));

  const ClaimSection none = cost_of(Json(), dir / "nowhere", {}, dir / "report2");
  EXPECT_EQ(none.verdict.outcome, ClaimOutcome::inconclusive);
  EXPECT_TRUE(none.tables.empty() && none.plots.empty());
}

}  // namespace
}  // namespace fl::reproduce
