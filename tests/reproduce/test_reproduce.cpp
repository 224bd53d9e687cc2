// `freelunch reproduce` end to end on a tiny suite: every part runs, the report has a section and
// a verdict per claim, a rerun computes nothing, and the report rebuilt from the stored results
// alone (report directory deleted) has the same bytes. Plus the command's bad input.
#include <gtest/gtest.h>

#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/results_store.h"
#include "experiments/sweep_runner.h"
#include "experiments/sweep_shard.h"
#include "report/paper_claims.h"
#include "reproduce/reproduce.h"
#include "reproduce/theory_results.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/tiny_suite.h"
#include "train/run_config.h"

namespace fl::reproduce {
namespace {

namespace fs = std::filesystem;
using test_support::error_of;
using test_support::files_in;
using test_support::run_command;
using test_support::TempDir;
using test_support::write_tiny_suite;

std::map<std::string, int64_t> attempts(const fs::path& results) {
  std::map<std::string, int64_t> out;
  for (const auto& id : suite_sweep_ids())
    for (const auto& row : ResultsStore(results_file(results / "sweeps" / id), ResultsStore::Open::kExisting).rows())
      out[id + "/" + row.hash] = row.attempts;
  return out;
}

TEST(Reproduce, TinySuiteReportIsRebuiltIdenticallyFromStoredResults) {
  TempDir dir;
  const fs::path suite_dir = write_tiny_suite(dir);
  const Suite suite = Suite::load(suite_dir);
  ReproduceOptions o;
  o.dir = dir / "results";
  o.progress = false;
  const auto first = run_reproduce(suite, o);
  EXPECT_EQ(first.computed, 6);
  ASSERT_EQ(first.report.sections.size(), paper_claims().size());
  const std::string index = read_file(first.index_md);
  for (const auto& claim : paper_claims()) EXPECT_NE(index.find("## " + claim.title), std::string::npos) << claim.id;
  EXPECT_NE(index.find("suite tiny"), std::string::npos);
  EXPECT_EQ(index.find("not measured"), std::string::npos) << index;
  // The copy-state section shows Mamba-2, linear attention and the LSTM beside the Transformer; the
  // cost section every default model of `freelunch cost --quick`.
  for (const char* label : {"mamba2 d16×1 N2 P8", "linear gla d16×1", "lstm d16×1", "mamba2 d32×2 N8 P16", "linear gla d32×2"})
    EXPECT_NE(index.find(label), std::string::npos) << label;
  EXPECT_TRUE(fs::exists(o.dir / "report" / "index.html"));
  for (const char* plot :
       {"copy_state_copy_accuracy.csv", "sample_efficiency_curves_1.csv", "dp_cot_lis.csv", "locality_accuracy.csv"})
    EXPECT_TRUE(fs::exists(o.dir / "report" / plot)) << plot;
  // The trained copy models looked into: one Mamba and one Transformer, a table and a plot each.
  const auto scores = read_trained_scores_json(Json::parse(read_file(o.dir / "theory" / "scores" / "scores.json")));
  ASSERT_EQ(scores.models.size(), 2u);
  EXPECT_FALSE(scores.models[0].scores.mamba.empty());
  EXPECT_FALSE(scores.models[1].scores.transformer.empty());
  EXPECT_NE(index.find("Scores in trained copy models"), std::string::npos);
  // Two seeds per cell; the dp-cot cells' learning rate chosen on their validation split.
  EXPECT_NE(index.find("(2 seeds)"), std::string::npos);
  const auto& dp_cot = first.report.sections.at(2);
  ASSERT_FALSE(dp_cot.tables.empty());
  EXPECT_EQ(dp_cot.tables.back().header.at(1), "lr 0.001");
  EXPECT_EQ(dp_cot.tables.back().rows.size(), 4u);  // 2 models × 2 formats
  for (const auto& row : ResultsStore(results_file(o.dir / "sweeps" / "dp-cot"), ResultsStore::Open::kExisting).rows())
    EXPECT_TRUE(row.metrics.contains("validation")) << row.hash;
  for (const auto& m : scores.models) EXPECT_TRUE(fs::exists(o.dir / "report" / ("theory_" + m.stem + ".csv"))) << m.stem;
  const auto report = files_in(o.dir / "report");
  const auto tries = attempts(o.dir);

  fs::remove_all(o.dir / "report");
  const auto rerun = run_reproduce(suite, o);
  EXPECT_EQ(rerun.computed, 0);
  EXPECT_EQ(attempts(o.dir), tries);
  EXPECT_EQ(files_in(o.dir / "report"), report);

  fs::remove_all(o.dir / "report");
  o.report_only = true;
  build_report(suite, o);
  EXPECT_EQ(files_in(o.dir / "report"), report);

  // An edited suite: the cells it dropped stay in the database but leave the report.
  const std::string locality = read_file(suite_dir / "locality.toml");
  write_file_atomic(suite_dir / "locality.toml",
                    locality.substr(0, locality.find("[[variants]]\nname = \"transformer\"")));
  const auto edited = build_report(Suite::load(suite_dir), o);
  const auto& header = edited.report.sections.at(3).tables.at(0).header;
  EXPECT_EQ(header.size(), 3u);  // n, mamba interleaved, mamba prefix
  for (const auto& column : header) EXPECT_EQ(column.find("transformer"), std::string::npos) << column;
  // A damaged stored result is measured again, and only that one (changing the run line).
  const std::string theory = read_file(o.dir / "theory" / "copy" / "theory.json");
  write_file_atomic(o.dir / "theory" / "copy" / "theory.json", theory.substr(0, theory.size() / 2));
  o.report_only = false;
  EXPECT_EQ(run_reproduce(Suite::load(suite_dir), o).computed, 1);
  EXPECT_EQ(read_file(o.dir / "theory" / "copy" / "theory.json"), theory);
}

// Two array tasks (--shard 1/2, 2/2) train the suite's cells between them and nothing else; the
// next run without --shard (here --report-only) merges each sweep's shards and reports from them.
TEST(Reproduce, ShardsTrainTheirCellsAndTheNextRunMergesThem) {
  TempDir dir;
  const Suite suite = Suite::load(write_tiny_suite(dir));
  ReproduceOptions o;
  o.dir = dir / "results";
  o.progress = false;
  for (const int64_t index : {1, 2}) {
    o.shard = Shard{index, 2};
    EXPECT_TRUE(run_reproduce(suite, o).report.sections.empty());
  }
  EXPECT_FALSE(fs::exists(o.dir / "cost"));
  EXPECT_FALSE(fs::exists(o.dir / "report"));
  for (const auto& sweep : suite.sweeps) {
    const fs::path dir = o.dir / "sweeps" / sweep.id;
    EXPECT_FALSE(fs::exists(results_file(dir))) << sweep.id;
    for (const int64_t index : {1, 2})
      EXPECT_EQ(ResultsStore(shard_database(dir, {index, 2}), ResultsStore::Open::kReadOnly).rows().size(),
                shard_spec(sweep.spec, {index, 2}).cells.size());
  }

  o.shard.reset();
  o.report_only = true;
  const auto merged = run_reproduce(suite, o);
  EXPECT_EQ(merged.computed, 0);
  for (const auto& sweep : suite.sweeps) {
    const auto rows = ResultsStore(results_file(o.dir / "sweeps" / sweep.id), ResultsStore::Open::kReadOnly).rows();
    ASSERT_EQ(rows.size(), sweep.spec.cells.size()) << sweep.id;
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].hash, sweep.spec.cells[i].hash);  // in the sweep's order
      EXPECT_EQ(rows[i].status, CellStatus::kDone);
      EXPECT_EQ(rows[i].attempts, 1);
    }
  }
  for (size_t i = 0; i < suite.sweeps.size(); ++i)  // the four sweep sections measured; cost and theory not run
    EXPECT_EQ(merged.report.sections.at(i).verdict.because.find("not measured"), std::string::npos) << i;
}

TEST(Reproduce, ReportOnlyWithoutResultsSaysNothingWasMeasured) {
  TempDir dir;
  const Suite suite = Suite::load(write_tiny_suite(dir));
  ReproduceOptions o;
  o.dir = dir / "empty";
  o.report_only = true;
  o.progress = false;
  const auto r = run_reproduce(suite, o);
  EXPECT_EQ(r.computed, 0);
  for (const auto& s : r.report.sections) {
    EXPECT_EQ(s.verdict.outcome, ClaimOutcome::inconclusive) << s.id;
    EXPECT_NE(s.verdict.because.find("not measured"), std::string::npos) << s.verdict.because;
  }
  EXPECT_FALSE(fs::exists(o.dir / "sweeps"));
}

TEST(Reproduce, SuiteErrorsNameTheFileAndKey) {
  TempDir dir;
  const fs::path suite = write_tiny_suite(dir);
  const auto load_error = [&] { return error_of([&] { Suite::load(suite); }); };
  write_file_atomic(suite / "suite.toml", "[cost]\npositions = [16, 4]\n");
  EXPECT_NE(load_error().find("cost.positions must be increasing"), std::string::npos) << load_error();
  write_file_atomic(suite / "suite.toml", "[theory]\ncopy_maxn = 8\n");
  EXPECT_NE(load_error().find("copy_maxn"), std::string::npos) << load_error();
  write_file_atomic(suite / "suite.toml", "[runs]\nseeds = 0\n");
  EXPECT_NE(load_error().find("runs.seeds"), std::string::npos) << load_error();
  write_file_atomic(suite / "suite.toml", "");
  const std::string copy_state = read_file(suite / "copy-state.toml");
  write_file_atomic(suite / "copy-state.toml", "[base]\nseed = 4\n" + copy_state.substr(7));
  EXPECT_NE(load_error().find("sets 'seed' itself"), std::string::npos) << load_error();
  write_file_atomic(suite / "copy-state.toml", copy_state);
  fs::remove(suite / "locality.toml");
  EXPECT_NE(load_error().find("missing sweep file locality.toml"), std::string::npos) << load_error();
}

TEST(Reproduce, ShippedSuitesLoadAndEveryCellIsAValidRun) {
  for (const char* name : {"quick", "standard", "full"}) {
    SCOPED_TRACE(name);
    const Suite suite = Suite::load(fs::path(FREELUNCH_SOURCE_DIR) / "configs" / "reproduce" / name);
    EXPECT_EQ(suite.name, name);
    for (const auto& sweep : suite.sweeps)
      for (const auto& c : sweep.spec.cells) {
        const std::string problem =
            error_of([&] { RunConfig::from_raw(cell_raw_config(c.config, c.hash)).make_task(); });
        EXPECT_EQ(problem, "") << sweep.id << " " << c.variant;
      }
  }
}

TEST(ReproduceCommand, BadInputIsOneLineExitTwo) {
  TempDir dir;
  const std::string bin = FREELUNCH_BINARY;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"reproduce --suite " + (dir / "nope").string(), "no such directory"},
      {"reproduce --quick --full", "--quick excludes --full"},
      {"reproduce --workers 0", "--workers"}};
  for (const auto& [args, phrase] : cases) {
    SCOPED_TRACE(args);
    test_support::expect_one_line_error(run_command(bin + " " + args), phrase);
  }
}

TEST(ReproduceCommand, ReportOnlyPrintsTheVerdictTable) {
  TempDir dir;
  const fs::path suite = write_tiny_suite(dir);
  const auto r = run_command(std::string(FREELUNCH_BINARY) + " reproduce --quiet --report-only --suite " +
                             suite.string() + " --dir " + (dir / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1. COPY vs state size"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("everything reused; report rebuilt"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir / "out" / "report" / "index.md"));
}

}  // namespace
}  // namespace fl::reproduce
