// The model of a sweep cell as every report section reads it (reproduce/section_data.h
// cell_model): the family (a "window" cell is a Transformer with a window), the label, and the
// sizes, with the config keys' defaults where a cell leaves them unset.
#include <gtest/gtest.h>

#include "reproduce/section_data.h"

namespace fl::reproduce {
namespace {

CellRow cell_with(const Json& config) {
  CellRow c;
  c.hash = config.dump(), c.config = config, c.status = CellStatus::kDone;
  return c;
}

TEST(SectionData, CellModelReadsFamilyLabelAndSizes) {
  const std::vector<CellRow> cells = {
      cell_with({{"task.name", "copy"}, {"model.type", "mamba"}, {"model.d_state", 4}, {"model.d_model", 32}}),
      cell_with({{"task.name", "copy"}, {"model.type", "transformer"}, {"model.n_layer", 3}}),
      cell_with({{"task.name", "copy"}, {"model.type", "transformer"}, {"model.window", 8}}),
      cell_with({{"task.name", "copy"}, {"model.type", "window"}, {"model.window", 4}})};
  const CellModel mamba = cell_model(cells[0], cells), transformer = cell_model(cells[1], cells),
                  windowed = cell_model(cells[2], cells), window = cell_model(cells[3], cells);
  EXPECT_EQ(mamba.family, ModelFamily::mamba);
  EXPECT_TRUE(mamba.is_mamba());
  EXPECT_EQ(mamba.label, "mamba d32×2 N4");
  EXPECT_EQ(mamba.dims(), "d32×2");
  EXPECT_EQ(mamba.d_state, 4);
  EXPECT_EQ(transformer.family, ModelFamily::transformer);
  EXPECT_TRUE(transformer.full_attention());
  EXPECT_FALSE(transformer.is_mamba());
  EXPECT_EQ(transformer.label, "transformer d64×3");
  EXPECT_EQ(transformer.width, 64);  // the default d_model
  EXPECT_EQ(transformer.depth, 3);
  EXPECT_EQ(windowed.family, ModelFamily::transformer);
  EXPECT_EQ(windowed.window, 8);
  EXPECT_FALSE(windowed.full_attention());
  EXPECT_EQ(windowed.label, "window W8 d64×2");
  EXPECT_EQ(window.family, ModelFamily::transformer);
  EXPECT_EQ(window.window, 4);
  EXPECT_EQ(window.label, "window W4 d64×2");
}

// An LSTM cell: its own family and label (with model.lstm_hidden when it differs from d_model), no
// window, no attention, and a reach of 0 (every past token is carried by its state).
TEST(SectionData, CellModelReadsAnLstm) {
  const std::vector<CellRow> cells = {
      cell_with({{"task.name", "copy"}, {"model.type", "lstm"}, {"model.d_model", 32}, {"model.n_layer", 3}}),
      cell_with({{"task.name", "copy"}, {"model.type", "lstm"}, {"model.d_model", 32}, {"model.lstm_hidden", 48}})};
  const CellModel lstm = cell_model(cells[0], cells), wide = cell_model(cells[1], cells);
  EXPECT_EQ(lstm.family, ModelFamily::lstm);
  EXPECT_EQ(lstm.label, "lstm d32×3");
  EXPECT_EQ(lstm.dims(), "d32×3");
  EXPECT_EQ(lstm.window, 0);
  EXPECT_FALSE(lstm.is_mamba());
  EXPECT_FALSE(lstm.full_attention());
  EXPECT_EQ(lstm.reach(), 0);
  EXPECT_EQ(wide.label, "lstm d32×2 H48");
}

// Mamba-2 and linear-attention cells: their labels (head dimension, decay); Mamba-2's convolutions
// reach back as Mamba's, linear attention has no window.
TEST(SectionData, Mamba2AndLinearAttentionCells) {
  const std::vector<CellRow> cells = {
      cell_with({{"task.name", "copy"}, {"model.type", "mamba2"}, {"model.d_model", 32}, {"model.n_layer", 2},
                 {"model.d_state", 8}, {"model.headdim", 16}}),
      cell_with({{"task.name", "copy"}, {"model.type", "linear"}, {"model.d_model", 32}, {"model.n_layer", 2},
                 {"model.decay", "fixed"}})};
  const CellModel mamba2 = cell_model(cells[0], cells), linear = cell_model(cells[1], cells);
  EXPECT_EQ(mamba2.label, "mamba2 d32×2 N8 P16");
  EXPECT_EQ(mamba2.reach(), 2 * (4 - 1));  // d_conv's default 4
  EXPECT_FALSE(mamba2.is_mamba());
  EXPECT_EQ(linear.label, "linear fixed d32×2");
  EXPECT_EQ(linear.reach(), 0);
  EXPECT_FALSE(linear.full_attention());
}

}  // namespace
}  // namespace fl::reproduce
