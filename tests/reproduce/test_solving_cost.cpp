// The smallest model that solves the task (reproduce/solving_cost.h) on hand-made cells, and the
// cost section's claim verdict built from it (reproduce/report_sections.h cost_section).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "cost/analytic_cost.h"
#include "core/rng.h"
#include "reproduce/report_sections.h"
#include "reproduce/solving_cost.h"
#include "support/fixtures.h"

namespace fl::reproduce {
namespace {

using test_support::TempDir;

// A done cell with `examples` evaluation examples at task size `size`: whole output and final
// answer both right at `accuracy`.
CellRow solved_cell(const Json& config, int64_t size, double accuracy, int64_t parameters = 1000) {
  static int64_t ordinal = 0;
  CellRow c;
  c.hash = "s" + std::to_string(++ordinal);
  c.config = config, c.status = CellStatus::kDone, c.parameters = parameters, c.accuracy = accuracy;
  const Json a = {{"answer", accuracy}, {"whole", accuracy}, {"token", accuracy}};
  c.metrics = {{"eval", {{"overall", {{"tf", a}}}, {"by_size", {{{"size", size}, {"n", 20}, {"tf", a}}}}}}};
  return c;
}

Json copy_config(const std::string& type, int64_t L, int64_t d_model, int64_t d_state = 16, int64_t seed = 1) {
  Json c = {{"model.type", type}, {"model.d_model", d_model}, {"task.name", "copy"}, {"task.max_len", L},
            {"task.vocab", 8},    {"seed", seed}};
  if (type == "mamba") c["model.d_state"] = d_state;
  return c;
}

// The model a cell trains, resolved by the config loader (vocabulary from the task).
ModelConfig model_of(const std::string& json) { return test_support::config_from_json(json).model; }

TEST(SolvingCost, SmallestSolvingModelPerLengthAndFamily) {
  std::vector<CellRow> cells;
  for (int64_t L : {4, 8, 16}) {
    for (int64_t N : {1, 2, 4})
      for (int64_t seed : {1, 2}) {
        // N = 1 solves L = 4; at L = 8 one of its seeds reaches 80%: the mean 90% is below 95%.
        const double accuracy = N == 1 ? (L == 4 ? 1.0 : L == 8 && seed == 1 ? 1.0 : 0.8) : L <= 8 ? 1.0 : 0.5;
        cells.push_back(solved_cell(copy_config("mamba", L, 32, N, seed), L, accuracy));
      }
    cells.push_back(solved_cell(copy_config("transformer", L, 64), L, 1.0, 2000));
    cells.push_back(solved_cell(copy_config("transformer", L, 32), L, 1.0, 3000));  // less KV cache: chosen
    Json window = copy_config("transformer", L, 16);
    window["model.window"] = 2;  // windowed Transformers are left out
    cells.push_back(solved_cell(window, L, 1.0));
  }
  const auto rows = smallest_solving_models(cells, {"copy", "task.max_len", false});
  ASSERT_EQ(rows.size(), 6u);  // (L, family): Mamba then the Transformer at each L

  const SolvingModel& m4 = rows[0];
  EXPECT_EQ(m4.size, 4);
  EXPECT_EQ(m4.family, ModelFamily::mamba);
  EXPECT_TRUE(m4.solved);
  EXPECT_EQ(m4.models, 3);
  EXPECT_EQ(m4.label, "mamba d32×2 N1");
  EXPECT_EQ(m4.d_state, 1);
  EXPECT_EQ(m4.tokens, 11);  // "$ x | x ." with |x| = 4
  // Di·(K + N)·4 bytes per layer, 2 layers: 64·(4 + 1)·4·2.
  EXPECT_EQ(m4.state_bytes, 2560);
  const ModelConfig n1 =
      model_of(R"({"model": {"type": "mamba", "d_model": 32, "d_state": 1}, "task": {"name": "copy", "vocab": 8}})");
  EXPECT_EQ(m4.total_flops, cost::total_flops(n1, 11));
  EXPECT_EQ(m4.accuracy.accuracies.size(), 2u);

  EXPECT_EQ(rows[2].label, "mamba d32×2 N2") << "N1's mean over seeds at L = 8 is 90%";
  EXPECT_NEAR(rows[2].accuracy.mean(), 1.0, 1e-12);

  const SolvingModel& t16 = rows[5];
  EXPECT_EQ(t16.family, ModelFamily::transformer);
  EXPECT_EQ(t16.label, "transformer d32×2");
  EXPECT_EQ(t16.models, 2) << "the windowed Transformer is not a candidate";
  EXPECT_EQ(t16.tokens, 35);
  EXPECT_EQ(t16.state_bytes, 2 * 35 * 32 * 4 * 2) << "keys and values of 35 tokens, 2 layers";
  const ModelConfig t32 =
      model_of(R"({"model": {"type": "transformer", "d_model": 32}, "task": {"name": "copy", "vocab": 8}})");
  EXPECT_EQ(t16.total_flops, cost::total_flops(t32, 35));
  EXPECT_EQ(t16.parameters, 3000);

  // L = 16: no Mamba reaches 95%: censored, the best candidate shown, no cost.
  const SolvingModel& m16 = rows[4];
  EXPECT_FALSE(m16.solved);
  EXPECT_EQ(m16.models, 3);
  EXPECT_TRUE(std::isnan(m16.state_bytes) && std::isnan(m16.total_flops));
  EXPECT_NEAR(m16.accuracy.mean(), 0.8, 1e-12);
  const auto points = solving_points(rows, ModelFamily::mamba);
  ASSERT_EQ(points.size(), 3u);
  EXPECT_TRUE(points[2].censored() && !points[0].censored());
}

TEST(SolvingCost, DpTaskIsJudgedByTheFinalAnswerAndItsExamplesComeFromTheTask) {
  std::vector<CellRow> cells;
  for (int64_t n : {4, 6, 8}) {
    const Json config = {
        {"model.type", "mamba"}, {"model.d_model", 32}, {"task.name", "lis"}, {"task.n", n}, {"task.format", "cot"}};
    CellRow c = solved_cell(config, n, 0.2);  // wrong CoT at size n …
    c.metrics["eval"]["overall"]["tf"]["answer"] = 0.97;  // … but the final answer right
    cells.push_back(c);
  }
  const auto rows = smallest_solving_models(cells, {"lis", "task.n", true});
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& r : rows) {
    EXPECT_TRUE(r.solved) << r.size;
    const RunConfig rc = test_support::config_from_json(R"({"task": {"name": "lis", "format": "cot", "n": )" +
                                                        std::to_string(static_cast<int64_t>(r.size)) + "}}");
    Rng rng(kTokenSeed, 0);
    double tokens = 0;
    for (int64_t i = 0; i < kTokenSamples; ++i)
      tokens += static_cast<double>(rc.make_task()->sample_at(rng, static_cast<int64_t>(r.size)).tokens.size());
    EXPECT_DOUBLE_EQ(r.tokens, tokens / kTokenSamples);
    EXPECT_GT(r.tokens, 2 * r.size) << "the prompt's n values and a chain of n steps";
  }
}

// Copy cells at L = 4 … 32: the Mamba that solves L (the only one that does) is `mamba(L)` = (d_model,
// d_state); the Transformer d32×2 solves every L.
std::vector<CellRow> solving_cells(const std::function<std::pair<int64_t, int64_t>(int64_t)>& mamba) {
  std::vector<CellRow> cells;
  for (int64_t L : {4, 8, 16, 32}) {
    const auto [width, state] = mamba(L);
    cells.push_back(solved_cell(copy_config("mamba", L, width, state), L, 1.0));
    cells.push_back(solved_cell(copy_config("mamba", L, 16, 1), L, 0.1));  // too small to solve
    cells.push_back(solved_cell(copy_config("transformer", L, 32), L, 1.0));
  }
  return cells;
}

ClaimSection cost_with(const std::vector<CellRow>& copy_cells, const TempDir& dir) {
  return cost_section(Json(), dir / "no-cost", copy_cells, {}, {{"cost", "", "", ""}, dir.path()});
}

TEST(SolvingCost, CostSectionJudgesTheSmallestSolvingModels) {
  TempDir dir;
  // The solving Mamba doubles its width with L: its state grows and its total cost grows faster
  // than the Transformer's (≈ T¹ at these lengths): no saving.
  const ClaimSection grows = cost_with(solving_cells([](int64_t L) { return std::make_pair(4 * L, int64_t{4}); }), dir);
  EXPECT_EQ(grows.verdict.outcome, ClaimOutcome::supported) << grows.verdict.because;
  ASSERT_EQ(grows.tables.size(), 2u);  // the copy table and the exponents (no cost.json, no CoT cells)
  EXPECT_EQ(grows.tables[0].rows.size(), 8u);
  EXPECT_EQ(grows.tables[0].rows[0][2], "mamba d16×2 N4");
  EXPECT_EQ(grows.tables[1].rows.size(), 2u);
  ASSERT_EQ(grows.plots.size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(dir / "cost_solving_copy_state.csv"));

  // One Mamba (d32, N = 1) solves every length: a free lunch.
  const ClaimSection constant = cost_with(solving_cells([](int64_t) { return std::make_pair(32, int64_t{1}); }), dir);
  EXPECT_EQ(constant.verdict.outcome, ClaimOutcome::not_supported) << constant.verdict.because;
  EXPECT_NE(constant.verdict.because.find("copy: Mamba solves at 4 sizes"), std::string::npos)
      << constant.verdict.because;

  // Only two lengths solved by any Mamba: censored sizes stay in the table; inconclusive.
  auto cells = solving_cells([](int64_t) { return std::make_pair(32, int64_t{1}); });
  for (auto& c : cells)
    if (c.config["task.max_len"].get<int64_t>() >= 16) c.metrics["eval"]["by_size"][0]["tf"]["whole"] = 0.5;
  const ClaimSection censored = cost_with(cells, dir);
  EXPECT_EQ(censored.verdict.outcome, ClaimOutcome::inconclusive) << censored.verdict.because;
  EXPECT_EQ(censored.tables[0].rows.size(), 8u);
  EXPECT_EQ(censored.tables[0].rows[4][2].rfind("none of the grid's 2 models reached 95%", 0), 0u)
      << censored.tables[0].rows[4][2];
}

}  // namespace
}  // namespace fl::reproduce
