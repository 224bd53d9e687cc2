// Reading sweep cells for the report sections (reproduce/report_sections.h). Each section builds
// its typed rows once from the cells (values by column name, experiments/results_query.h: config
// keys with their defaults, acc@N, metrics.PATH), then its tables, plots and verdict from those
// rows. Shared here: the model of a cell (CellModel), accuracies, percentages, and the notes every
// section shares. Torch-free.
#pragma once
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/results_store.h"
#include "models/model_config.h"
#include "render/text.h"
#include "render/plot.h"
#include "report/claim_report.h"

namespace fl::reproduce {

// The done cells among `cells` (the others are counted by status_note); with `tasks`, only those
// whose task.name is one of them.
std::vector<CellRow> done_cells(const std::vector<CellRow>& cells);
std::vector<CellRow> done_cells(const std::vector<CellRow>& cells, const std::vector<std::string>& tasks);
// "" when every cell is done, else e.g. "2 of 28 cells are not in the tables (1 failed, 1 queued)."
std::string status_note(const std::vector<CellRow>& cells);

// A column's value in a cell as a number (NaN when null or not a number) or as text ("" when null).
double number(const CellRow& cell, const std::string& column, const std::vector<CellRow>& cells);
std::string text(const CellRow& cell, const std::string& column, const std::vector<CellRow>& cells);

// The whole-answer accuracy of a cell at task size `size`: generated when the cell generated,
// else teacher-forced; NaN when the size was not evaluated.
double accuracy_at(const CellRow& cell, int64_t size, const std::vector<CellRow>& cells);
// The overall final-answer accuracy (generated when measured, else teacher-forced), for CoT tasks.
double answer_accuracy(const CellRow& cell);
// The evaluation examples behind those accuracies (the eval report's "n"): at task size `size`,
// or over all sizes; 0 when not stored.
int64_t examples_at(const CellRow& cell, int64_t size);
int64_t overall_examples(const CellRow& cell);
// The cell's training seed (key `seed`, default 1).
int64_t cell_seed(const CellRow& cell, const std::vector<CellRow>& cells);
// Mean accuracy with its 95% interval (report/verdict.h interval_text), "80.0% [49.0, 94.3]"; "–"
// when there are no runs. With several seeds, the seed count follows: "90.0% [65.2, 100.0] (3 seeds)".
std::string accuracy_cell(const AccuracyRuns& runs);

// The model of a cell as the sections read it, from its model.* keys (with their defaults).
struct CellModel {
  ModelFamily family = ModelFamily::mamba;  // model.type (a "window" cell is a Transformer)
  int64_t window = 0;            // model.window: > 0 for a sliding-window Transformer (or hybrid)
  std::string label;             // ModelConfig::label(): "mamba d32×2 N16", "window W8 d32×2", "lstm d64×2"
  int64_t width = 0, depth = 0;  // model.d_model, model.n_layer
  double d_state = NAN;          // model.d_state (its default in a cell that is not Mamba)
  int64_t d_conv = 0;            // model.d_conv: taps of Mamba's causal convolution
  double expand = NAN;           // model.expand: Mamba's d_inner = expand · d_model
  bool is_mamba() const { return family == ModelFamily::mamba; }
  // Tokens back a model sees without a state carrying them: Mamba's (and Mamba-2's) convolutions n_layer·(d_conv − 1),
  // a windowed Transformer's windows n_layer·(W − 1) (query i sees keys i − W < j ≤ i), at most
  // n_layer·(max(W, d_conv) − 1) for a windowed hybrid; 0 for an LSTM and linear attention; −1 with full attention
  // (unbounded).
  int64_t reach() const;
  bool full_attention() const { return family == ModelFamily::transformer && window == 0; }
  std::string dims() const;      // "d32×2"
};
CellModel cell_model(const CellRow& cell, const std::vector<CellRow>& cells);
// "1,234" for whole numbers, otherwise 4 significant digits; "–" for NaN.
std::string number_text(double value);

// The training budget of the cells in words: "1,500 steps × 16 sequences (packed to 64 tokens),
// lr 0.003" — the distinct budgets joined by "; ".
std::string budget_text(const std::vector<CellRow>& cells);
// The values `column` takes among the cells, sorted numerically, as "{1, 2, 4}".
std::string value_set(const std::vector<CellRow>& cells, const std::string& column);

// Sorted distinct numeric values of a column.
std::vector<double> distinct_numbers(const std::vector<CellRow>& cells, const std::string& column);

// Writes the plot to report_dir/<name>.* and adds it to the section; a plot with nothing to draw
// (no finite point, or none positive on a log axis) is left out and the section's notes say so.
void add_plot(ClaimSection& section, const LinePlot& plot, const std::filesystem::path& report_dir,
              const std::string& name, const std::string& caption);

// The section's experiment: the suite's summary plus the grid in words, the budget of the done
// cells, and notes (how accuracy is measured, then status_note of all cells).
ExperimentSummary experiment_summary(const ExperimentSummary& suite, const std::vector<CellRow>& done,
                                     const std::vector<CellRow>& cells, const std::string& grid,
                                     const std::string& accuracy_note);

// The notes of a section: its status note and any extra text, joined.
std::string join_notes(const std::vector<std::string>& parts);

}  // namespace fl::reproduce
