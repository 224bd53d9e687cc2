// Learning rates chosen on the validation split (reproduce/lr_selection.h): the report keeps the
// cells of the best learning rate per group, chosen by validation numbers only, never by the
// test accuracy the tables show.
#include <gtest/gtest.h>

#include "reproduce/lr_selection.h"

namespace fl::reproduce {
namespace {

// A done copy cell of `variant` at (lr, seed) with the given validation and test accuracies
// (NaN validation = trained without a validation split).
CellRow cell(const std::string& variant, double lr, int seed, double validation, double test, double loss = 1.0,
             int max_len = 8) {
  CellRow c;
  c.variant = variant;
  c.config = {{"task.name", "copy"}, {"model.type", variant}, {"train.lr", lr}, {"seed", seed},
              {"task.max_len", max_len}};
  c.hash = c.config.dump();
  c.status = CellStatus::kDone;
  c.final_loss = loss;
  c.metrics = {{"eval", {{"overall", {{"tf", {{"answer", test}, {"whole", test}, {"token", test}}}}}}}};
  if (!std::isnan(validation))
    c.metrics["validation"] = {
        {"overall", {{"tf", {{"answer", validation}, {"whole", validation}, {"token", validation}}}}}};
  return c;
}

std::vector<double> lrs_of(const std::vector<CellRow>& cells) {
  std::vector<double> out;
  for (const auto& c : cells) out.push_back(c.config["train.lr"].get<double>());
  return out;
}

TEST(LrSelection, KeepsTheLearningRateBestOnValidationNotOnTest) {
  // lr 1e-3: better on validation, worse on test; lr 3e-3 the other way round. Validation decides.
  const std::vector<CellRow> cells = {cell("mamba", 1e-3, 1, 0.9, 0.5), cell("mamba", 1e-3, 2, 0.8, 0.5),
                                      cell("mamba", 3e-3, 1, 0.7, 0.99), cell("mamba", 3e-3, 2, 0.7, 0.99)};
  const LrSelection s = select_learning_rates(cells);
  EXPECT_EQ(lrs_of(s.cells), (std::vector<double>{1e-3, 1e-3}));
  ASSERT_EQ(s.choices.size(), 1u);
  const LrChoice& c = s.choices[0];
  EXPECT_EQ(c.chosen, 1e-3);
  EXPECT_TRUE(c.by_validation);
  ASSERT_EQ(c.candidates.size(), 2u);
  EXPECT_NEAR(c.candidates[0].validation, 0.85, 1e-12);
  EXPECT_EQ(c.candidates[0].seeds, 2);
  EXPECT_NEAR(c.candidates[1].test, 0.99, 1e-12);
  const ReportTable t = lr_table(s.choices);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.header, (std::vector<std::string>{"cells", "lr 0.001", "lr 0.003", "chosen lr", "spread (points)"}));
  EXPECT_EQ(t.rows[0][1], "✓ 85.0% (50.0%)");
  EXPECT_EQ(t.rows[0][2], "70.0% (99.0%)");
  EXPECT_EQ(t.rows[0][3], "0.001");
  EXPECT_EQ(t.rows[0][4], "49.0");
}

TEST(LrSelection, GroupsDifferOnlyInSeedAndLearningRate) {
  // Two lengths are two groups, each choosing its own learning rate; the Transformer (one lr) is untouched.
  const std::vector<CellRow> cells = {
      cell("mamba", 1e-3, 1, 0.9, 0.9, 1, 4),  cell("mamba", 3e-3, 1, 0.5, 0.5, 1, 4),
      cell("mamba", 1e-3, 1, 0.2, 0.2, 1, 16), cell("mamba", 3e-3, 1, 0.6, 0.6, 1, 16),
      cell("transformer", 1e-3, 1, 1.0, 1.0, 1, 4), cell("transformer", 1e-3, 2, 1.0, 1.0, 1, 4)};
  const LrSelection s = select_learning_rates(cells);
  ASSERT_EQ(s.choices.size(), 2u);
  EXPECT_EQ(s.choices[0].chosen, 1e-3);
  EXPECT_EQ(s.choices[1].chosen, 3e-3);
  EXPECT_NE(s.choices[0].group.find("task.max_len=4"), std::string::npos) << s.choices[0].group;
  EXPECT_NE(s.choices[0].group.find("variant=mamba"), std::string::npos) << s.choices[0].group;
  EXPECT_EQ(s.cells.size(), 4u);
}

TEST(LrSelection, TiesGoToTokenAccuracyThenTrainingLossAndNoValidationSaysSo) {
  // Equal validation accuracy: the lower training loss wins.
  const std::vector<CellRow> tied = {cell("mamba", 1e-3, 1, 1.0, 1.0, 0.5), cell("mamba", 3e-3, 1, 1.0, 1.0, 0.1)};
  EXPECT_EQ(select_learning_rates(tied).choices.at(0).chosen, 3e-3);
  // No validation split at all: chosen by training loss, and the table says so.
  const std::vector<CellRow> blind = {cell("mamba", 1e-3, 1, NAN, 0.2, 0.3), cell("mamba", 3e-3, 1, NAN, 0.9, 0.4)};
  const LrSelection s = select_learning_rates(blind);
  EXPECT_EQ(s.choices.at(0).chosen, 1e-3);
  EXPECT_FALSE(s.choices.at(0).by_validation);
  EXPECT_NE(lr_table(s.choices).rows.at(0)[3].find("by training loss"), std::string::npos);
}

TEST(LrSelection, CellsNotDoneStayForTheStatusNotes) {
  std::vector<CellRow> cells = {cell("mamba", 1e-3, 1, 0.9, 0.9), cell("mamba", 3e-3, 1, 0.5, 0.5),
                                cell("mamba", 3e-3, 2, 0.5, 0.5)};
  cells[2].status = CellStatus::kFailed, cells[2].metrics = Json();
  const LrSelection s = select_learning_rates(cells);
  ASSERT_EQ(s.cells.size(), 2u);  // the chosen lr's done cell and the failed one
  EXPECT_EQ(s.cells[1].status, CellStatus::kFailed);
  // Nothing done: no choice, every cell kept.
  for (auto& c : cells) c.status = CellStatus::kQueued;
  const LrSelection none = select_learning_rates(cells);
  EXPECT_TRUE(none.choices.empty());
  EXPECT_EQ(none.cells.size(), 3u);
}

}  // namespace
}  // namespace fl::reproduce
