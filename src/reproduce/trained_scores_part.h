// The scores of trained copy models in the report (docs/THEORY.md "Scores in trained models"):
// `freelunch reproduce` looks into models the copy-state sweep trained, with the hidden-attention
// extraction of theory/trained_scores.h, and stores the numbers in DIR/theory/scores/scores.json
// (reproduce/theory_results.h) beside a CSV and a plot per model; the theory section shows them.
#pragma once
#include <filesystem>
#include <vector>

#include "experiments/results_store.h"
#include "reproduce/theory_results.h"

namespace fl::reproduce {

// The cells whose models are looked into: for each model.type, among the done cells trained on
// copy or lookup, the one with the longest training strings (task.max_len; lookup: task.length),
// then the highest accuracy, then the most parameters; in model.type order.
std::vector<CellRow> cells_for_scores(const std::vector<CellRow>& cells);

// Loads each cell's trained model from sweep_dir/cells/<hash>, measures its scores with `options`
// and writes <stem>.csv and <stem>_plot.* into out_dir. fl::Error naming the cell if its run
// directory cannot be loaded.
StoredTrainedScores measure_trained_scores(const std::vector<CellRow>& cells, const std::filesystem::path& sweep_dir,
                                           const std::filesystem::path& out_dir,
                                           const theory::CopyScoreOptions& options);

}  // namespace fl::reproduce
