// The report sections built from sweep cells (reproduce/report_sections.h), on planted results:
// each verdict comes out supported when the numbers show the claim and not supported when they
// show the opposite, the tables hold the planted numbers, and the plots are written.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "reproduce/report_sections.h"
#include "support/fixtures.h"

namespace fl::reproduce {
namespace {

using test_support::TempDir;

// A done cell: flat config, overall accuracy, and the eval report by size (teacher-forced whole =
// answer = acc_at(size)).
CellRow cell(const Json& config, const std::vector<std::pair<int64_t, double>>& by_size, int64_t parameters = 1000) {
  static int64_t ordinal = 0;
  CellRow c;
  c.hash = std::to_string(++ordinal);
  c.ordinal = ordinal;
  c.config = config;
  c.status = CellStatus::kDone;
  Json rows = Json::array();
  double sum = 0;
  for (const auto& [size, acc] : by_size) {
    rows.push_back({{"size", size}, {"n", 10}, {"tf", {{"answer", acc}, {"whole", acc}, {"token", acc}}}});
    sum += acc;
  }
  const double overall = by_size.empty() ? 0 : sum / static_cast<double>(by_size.size());
  c.accuracy = overall;
  c.parameters = parameters;
  c.metrics = {
      {"eval",
       {{"overall", {{"tf", {{"answer", overall}, {"whole", overall}, {"token", overall}}}}}, {"by_size", rows}}}};
  return c;
}

SectionContext context(const TempDir& dir) { return {{"test", "", "", ""}, dir.path()}; }

std::string table_cell(const ClaimSection& s, size_t table, size_t row, const std::string& column) {
  const auto& t = s.tables.at(table);
  for (size_t i = 0; i < t.header.size(); ++i)
    if (t.header[i] == column) return t.rows.at(row).at(i);
  ADD_FAILURE() << "no column " << column;
  return "";
}

// Mamba d_state 1 … 5 (d64×2, expand 2, d_conv 4: reach 6 tokens) at lengths 4 … 20 over the
// default 26 letters, reaching 95% when smallest(L) ≤ N; a Transformer at every L.
std::vector<CellRow> copy_cells(const std::function<double(double)>& smallest, double transformer_accuracy) {
  std::vector<CellRow> cells;
  for (int L : {4, 8, 12, 16, 20}) {
    for (int N : {1, 2, 3, 4, 5})
      cells.push_back(cell({{"model.type", "mamba"}, {"model.d_state", N}, {"task.name", "copy"}, {"task.max_len", L}},
                           {{L, N >= smallest(L) ? 0.99 : 0.2}}));
    cells.push_back(
        cell({{"model.type", "transformer"}, {"task.name", "copy"}, {"task.max_len", L}}, {{L, transformer_accuracy}}));
  }
  return cells;
}

TEST(ReproduceSections, CopyStateLinearGrowthIsSupported) {
  TempDir dir;
  // L = 4 lies within the convolutions' reach: left out of the fit, which keeps 4 lengths.
  const auto s = copy_state_section(copy_cells([](double L) { return L / 4; }, 1.0), context(dir));
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::supported) << s.verdict.because;
  EXPECT_NE(s.verdict.because.find("smallest Mamba d64×2 K4 d_state on copy 2 at 8, 3 at 12, 4 at 16, 5 at 20"),
            std::string::npos)
      << s.verdict.because;
  ASSERT_EQ(s.tables.size(), 2u);
  EXPECT_EQ(s.tables[0].rows.size(), 5u);
  EXPECT_EQ(table_cell(s, 0, 0, "smallest N ≥ 95%"), "1 (within conv reach)");
  EXPECT_EQ(table_cell(s, 0, 3, "smallest N ≥ 95%"), "4");
  // Mean with its 95% Wilson interval over the cell's 10 examples (2 and 10 of 10 correct).
  EXPECT_EQ(table_cell(s, 0, 2, "Mamba N=2"), "20.0% [5.7, 51.0]");
  EXPECT_EQ(table_cell(s, 0, 2, "Mamba N=3"), "99.0% [72.2, 100.0]");
  EXPECT_NE(s.experiment.notes.find("copy: the lengths L ∈ {4} lie within the convolutions' reach (n_layer·(d_conv "
                                    "− 1) = 6 tokens of Mamba d64×2 K4)"),
            std::string::npos)
      << s.experiment.notes;
  // State against information: d_state 1 × d_inner 128 × 2 layers = 256 floats = 8,192 bits
  // against 4·log2 26 = 18.8 bits at L = 4 (within reach); d_state 5 at L = 20: 40,960 against 94.01.
  ASSERT_EQ(s.tables[1].rows.size(), 25u);
  EXPECT_EQ(s.tables[1].rows[0],
            (std::vector<std::string>{"4", "d64×2 K4", "1", "256", "8,192", "18.8", "435.7", "yes"}));
  EXPECT_EQ(s.tables[1].rows[24],
            (std::vector<std::string>{"20", "d64×2 K4", "5", "1,280", "40,960", "94.01", "435.7", "no"}));
  ASSERT_EQ(s.plots.size(), 2u);
  for (const auto& p : s.plots) EXPECT_TRUE(std::filesystem::exists(p.files.csv)) << p.caption;
}

TEST(ReproduceSections, CopyStateWithoutConvolutionReachFitsEveryLength) {
  TempDir dir;
  // d_conv = 1: no convolution reach, so L = 4 stays in the fit (5 lengths) and is not marked.
  auto cells = copy_cells([](double L) { return L / 4; }, 1.0);
  for (auto& c : cells)
    if (c.config["model.type"] == "mamba") c.config["model.d_conv"] = 1;
  const auto s = copy_state_section(cells, context(dir));
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::supported) << s.verdict.because;
  EXPECT_NE(s.verdict.because.find("d_state on copy 1 at 4, 2 at 8"), std::string::npos) << s.verdict.because;
  EXPECT_EQ(table_cell(s, 0, 0, "smallest N ≥ 95%"), "1");
  EXPECT_EQ(s.tables[1].rows[0].back(), "no");
  EXPECT_NE(s.experiment.notes.find("copy: every length lies beyond the convolutions' reach (n_layer·(d_conv − 1) = "
                                    "0 tokens of Mamba d64×2 K1)"),
            std::string::npos)
      << s.experiment.notes;
}

TEST(ReproduceSections, CopyStateFlatOrFailingIsNotSupported) {
  TempDir dir;
  const auto flat = copy_state_section(copy_cells([](double) { return 1; }, 1.0), context(dir));
  EXPECT_EQ(flat.verdict.outcome, ClaimOutcome::not_supported) << flat.verdict.because;
  const auto transformer_fails = copy_state_section(copy_cells([](double L) { return L / 4; }, 0.5), context(dir));
  EXPECT_EQ(transformer_fails.verdict.outcome, ClaimOutcome::not_supported) << transformer_fails.verdict.because;
}

// A copy cell whose evaluations every 100 steps (batch 10) reach 95% at step `reach` (0 = never).
CellRow curve_cell(const std::string& type, int L, int reach, int d_model = 64, int n_layer = 2, int seed = 1) {
  CellRow c = cell({{"model.type", type},
                    {"seed", seed},
                    {"model.d_model", d_model},
                    {"model.n_layer", n_layer},
                    {"task.name", "copy"},
                    {"task.max_len", L},
                    {"train.steps", 1000},
                    {"train.batch_size", 10},
                    {"train.eval_every", 100}},
                   {{L, reach > 0 ? 1.0 : 0.1}});
  Json curve = Json::array();
  for (int step = 100; step <= 1000; step += 100)
    curve.push_back({{"step", step}, {"accuracy", reach > 0 && step >= reach ? 0.97 : 0.3}, {"gen", nullptr}});
  c.metrics["eval_curve"] = curve;
  return c;
}

TEST(ReproduceSections, SampleEfficiencyFollowsWhoFailsFirst) {
  TempDir dir;
  // Three seeds each: the slower model needs more at 3 of 4 lengths (a tie at L = 8), 9 runs to 0
  // (sign test p = 2/512). One seed each would leave the sign test at p = 0.25: inconclusive.
  std::vector<CellRow> mamba_worse, transformer_worse;
  for (int seed : {1, 2, 3})
    for (int L : {4, 8, 12, 16}) {
      mamba_worse.push_back(curve_cell("mamba", L, L <= 8 ? 200 : 0, 64, 2, seed));
      mamba_worse.push_back(curve_cell("transformer", L, 100 * (L / 4), 64, 2, seed));
      transformer_worse.push_back(curve_cell("mamba", L, 100 * (L / 4), 64, 2, seed));
      transformer_worse.push_back(curve_cell("transformer", L, L <= 8 ? 200 : 0, 64, 2, seed));
    }
  const auto s = sample_efficiency_section(mamba_worse, context(dir));
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::supported) << s.verdict.because;
  EXPECT_EQ(table_cell(s, 0, 0, "mamba d64×2 N16"), "2,000 · 2,000 · 2,000 (100.0% [88.6, 100.0] (3 seeds))");
  EXPECT_EQ(table_cell(s, 0, 3, "mamba d64×2 N16"), "> 10,000 · > 10,000 · > 10,000 (10.0% [3.5, 25.6] (3 seeds))");
  EXPECT_EQ(s.plots.size(), 3u);  // samples to 95%, and the training curves of each model
  EXPECT_EQ(sample_efficiency_section(transformer_worse, context(dir)).verdict.outcome, ClaimOutcome::not_supported);
}

TEST(ReproduceSections, SampleEfficiencyJudgesWidthAgainstDepth) {
  TempDir dir;
  std::vector<CellRow> cells;
  for (int seed : {1, 2, 3})
    for (int L : {4, 8, 12}) {
      cells.push_back(curve_cell("mamba", L, L <= 4 ? 300 : 0, 64, 2, seed));
      cells.push_back(curve_cell("transformer", L, 200, 64, 2, seed));
      cells.push_back(curve_cell("mamba", L, 300, 64, 1, seed));  // shallower: still learns
      cells.back().parameters = 33536;
      cells.push_back(curve_cell("mamba", L, 0, 44, 2, seed));  // narrower, of about the same size: does not
      cells.back().parameters = 34628;
    }
  const auto s = sample_efficiency_section(cells, context(dir));
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::supported) << s.verdict.because;
  EXPECT_NE(s.verdict.because.find("shallower Mamba"), std::string::npos) << s.verdict.because;
  EXPECT_NE(s.verdict.because.find("33,536 parameters"), std::string::npos) << s.verdict.because;
  // A narrower Mamba 40% smaller than the shallower one: size would confound it, not judged.
  for (auto& c : cells)
    if (c.config["model.d_model"] == 44) c.parameters = 20320;
  const auto unequal = sample_efficiency_section(cells, context(dir));
  EXPECT_EQ(unequal.verdict.outcome, ClaimOutcome::inconclusive) << unequal.verdict.because;
  EXPECT_NE(unequal.verdict.because.find("differ by 39%"), std::string::npos) << unequal.verdict.because;
}

// Three tasks × {direct, cot} × {Mamba, Transformer} × seeds 1–3, 10 examples per cell.
std::vector<CellRow> dp_cells(double transformer_cot, double transformer_direct, double mamba_direct,
                              double mamba_cot) {
  std::vector<CellRow> cells;
  for (int seed : {1, 2, 3})
    for (const char* task : {"lis", "edit_distance", "arithmetic"})
      for (const char* format : {"direct", "cot"}) {
        const bool cot = std::string(format) == "cot";
        const Json base = {{"task.name", task}, {"task.n", 6}, {"task.format", format}, {"seed", seed}};
        Json m = base, t = base;
        m["model.type"] = "mamba", t["model.type"] = "transformer";
        cells.push_back(cell(m, {{6, cot ? mamba_cot : mamba_direct}}, 2000));
        cells.push_back(cell(t, {{6, cot ? transformer_cot : transformer_direct}}, 1900));
      }
  return cells;
}

TEST(ReproduceSections, DpCotJudgesCotAndDirectCellsApart) {
  TempDir dir;
  // CoT: Transformer 90% vs Mamba 30% (9 paired runs, p = 2/512); direct: Mamba 90% above the
  // Transformer's 30% (pooled Wilson intervals [74.4, 96.5] and [16.7, 47.9] do not overlap); Mamba
  // CoT 30% below Mamba direct 90%.
  const auto s = dp_cot_section(dp_cells(0.9, 0.3, 0.9, 0.3), context(dir));
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::supported) << s.verdict.because;
  ASSERT_EQ(s.tables[0].rows.size(), 3u);
  EXPECT_EQ(table_cell(s, 0, 0, "Mamba cot"), "30.0% [16.7, 47.9] (3 seeds)");
  EXPECT_EQ(table_cell(s, 0, 0, "params Transformer"), "1,900");
  EXPECT_EQ(table_cell(s, 1, 0, "Transformer CoT − direct"), "+60.0") << "the control";
  EXPECT_NE(s.verdict.because.find("control, Transformer CoT − direct: +60.0 points"), std::string::npos)
      << s.verdict.because;
  EXPECT_EQ(s.plots.size(), 3u);
  EXPECT_EQ(dp_cot_section(dp_cells(0.3, 0.3, 0.9, 0.9), context(dir)).verdict.outcome, ClaimOutcome::not_supported)
      << "with CoT Mamba is significantly better";
  // Mamba level with the Transformer everywhere: every CoT difference is 0, so the interval of the
  // mean difference ends below the 5-point margin and "the Transformer is better with CoT" is refuted.
  const auto level = dp_cot_section(dp_cells(0.6, 0.6, 0.6, 0.6), context(dir));
  EXPECT_EQ(level.verdict.outcome, ClaimOutcome::not_supported) << level.verdict.because;
  EXPECT_NE(level.verdict.because.find("below the +5.0-point margin"), std::string::npos) << level.verdict.because;
}

// Three seeds × {interleaved, prefix} × {Mamba, window W8, Transformer}, trained on n ≤ task_n,
// evaluated at n = 2, 4, 8, 16 (10 examples each).
std::vector<CellRow> locality_cells(double mamba_interleaved, double transformer_prefix = 1.0, int task_n = 8) {
  std::vector<CellRow> cells;
  const std::vector<int64_t> sizes = {2, 4, 8, 16};
  const auto by_size = [&](const std::function<double(int64_t)>& acc) {
    std::vector<std::pair<int64_t, double>> out;
    for (int64_t n : sizes) out.push_back({n, acc(n)});
    return out;
  };
  for (int seed : {1, 2, 3})
    for (const char* format : {"interleaved", "prefix"}) {
      const bool local = std::string(format) == "interleaved";
      const Json base = {{"task.name", "local_dp"}, {"task.format", format}, {"task.n", task_n}, {"seed", seed}};
      Json m = base, w = base, t = base;
      m["model.type"] = "mamba", w["model.type"] = "window", w["model.window"] = 8, t["model.type"] = "transformer";
      cells.push_back(cell(m, by_size([&](int64_t n) { return local ? mamba_interleaved : n <= 2 ? 1.0 : 0.0; })));
      cells.push_back(cell(w, by_size([&](int64_t n) { return local ? 1.0 : n <= 4 ? 1.0 : 0.0; })));
      cells.push_back(cell(t, by_size([&](int64_t) { return local ? 1.0 : transformer_prefix; })));
    }
  return cells;
}

TEST(ReproduceSections, LocalityJudgesEachModel) {
  TempDir dir;
  const auto s = locality_section(locality_cells(1.0), context(dir));
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::supported) << s.verdict.because;
  ASSERT_EQ(s.tables[0].rows.size(), 4u);
  EXPECT_EQ(table_cell(s, 0, 3, "n"), "16 (beyond training)");
  EXPECT_EQ(table_cell(s, 0, 3, "mamba d64×2 N16 prefix"), "0.0% [0.0, 11.4] (3 seeds)");
  EXPECT_EQ(table_cell(s, 0, 1, "window W8 d64×2 prefix"), "100.0% [88.6, 100.0] (3 seeds)");
  EXPECT_NE(s.experiment.notes.find("Evaluated beyond the training range (n ≤ 8): n ∈ {16}."), std::string::npos)
      << s.experiment.notes;
  // Reach: Mamba's convolutions 2·(4 − 1) = 6 tokens, the window 2·(8 − 1) = 14, the Transformer unbounded.
  ASSERT_EQ(s.tables[1].rows.size(), 3u);
  EXPECT_EQ(s.tables[1].rows[0], (std::vector<std::string>{"mamba d64×2 N16", "6", "3", "yes", "{8, 16}"}));
  EXPECT_EQ(s.tables[1].rows[2], (std::vector<std::string>{"window W8 d64×2", "14", "3", "yes", "{16}"}));
  EXPECT_EQ(s.tables[1].rows[1][1], "unbounded (full attention)");
  EXPECT_EQ(locality_section(locality_cells(0.5), context(dir)).verdict.outcome, ClaimOutcome::not_supported);
}

// The full Transformer is the control that the task can be learnt: judged within its training
// range only, so failing beyond it (as position-based attention does) is not held against the claim.
TEST(ReproduceSections, LocalityJudgesTheControlWithinItsTrainingRange) {
  TempDir dir;
  auto cells = locality_cells(1.0);
  for (auto& c : cells)
    if (c.config["model.type"] == "transformer")
      for (auto& row : c.metrics["eval"]["by_size"])
        if (row["size"] == 16) row["tf"]["whole"] = 0.2, row["tf"]["answer"] = 0.2;
  const auto s = locality_section(cells, context(dir));
  EXPECT_EQ(table_cell(s, 0, 3, "transformer d64×2 interleaved"), "20.0% [9.5, 37.3] (3 seeds)");
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::supported) << s.verdict.because;
}

TEST(ReproduceSections, LocalityWithoutExtrapolationIsInconclusive) {
  TempDir dir;
  const auto s = locality_section(locality_cells(1.0, 1.0, 16), context(dir));
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::inconclusive) << s.verdict.because;
  EXPECT_NE(s.verdict.because.find("constancy not tested by extrapolation"), std::string::npos) << s.verdict.because;
  EXPECT_NE(s.experiment.notes.find("No evaluated n lies beyond the training range (n ≤ 16)"), std::string::npos)
      << s.experiment.notes;
}

TEST(ReproduceSections, LocalityPrefixGapNeedsTheTransformerControl) {
  TempDir dir;
  const auto s = locality_section(locality_cells(1.0, 0.4), context(dir));
  EXPECT_EQ(s.verdict.outcome, ClaimOutcome::inconclusive) << s.verdict.because;
  EXPECT_NE(s.verdict.because.find("the control) reaches only 40.0% on the prefix form at n = 2"), std::string::npos)
      << s.verdict.because;
}

TEST(ReproduceSections, UnfinishedCellsAreNamedAndEmptySweepsInconclusive) {
  TempDir dir;
  auto cells = locality_cells(1.0);
  cells[0].status = CellStatus::kFailed;
  cells[1].status = CellStatus::kQueued;
  const auto s = locality_section(cells, context(dir));
  EXPECT_NE(s.experiment.notes.find("2 of 18 cells are not in the tables (1 failed, 1 queued)"), std::string::npos)
      << s.experiment.notes;
  EXPECT_EQ(copy_state_section({}, context(dir)).verdict.outcome, ClaimOutcome::inconclusive);
  EXPECT_EQ(dp_cot_section({}, context(dir)).verdict.outcome, ClaimOutcome::inconclusive);
}

}  // namespace
}  // namespace fl::reproduce
