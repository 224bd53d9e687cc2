#include "reproduce/trained_scores_part.h"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include "core/error.h"
#include "experiments/sweep_runner.h"
#include "train/checkpoint.h"

namespace fl::reproduce {
namespace fs = std::filesystem;
namespace {

int64_t int_or(const Json& config, const char* key, int64_t fallback) {
  const auto it = config.find(key);
  return it != config.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}
std::string string_or(const Json& config, const char* key, const std::string& fallback) {
  const auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// How long the cell's copies reach: copy's task.max_len, lookup's task.length (0 when the cell
// left it at the default).
int64_t trained_length(const CellRow& row) {
  return int_or(row.config, "task.max_len", int_or(row.config, "task.length", 0));
}

bool is_copy_cell(const CellRow& row) {
  const std::string task = string_or(row.config, "task.name", "");
  return row.status == CellStatus::kDone && (task == "copy" || task == "lookup");
}

// "mamba, d_state 4, d_model 32, trained to length 10 (cell 1a2b3c4d)", from the run's own config.
std::string label_of(const CellRow& row, const ModelConfig& model) {
  std::string label = to_string(model.family);
  if (model.is_mamba()) label += ", d_state " + std::to_string(model.d_state);
  label += ", d_model " + std::to_string(model.d_model) + ", trained to length " + std::to_string(trained_length(row));
  return label + " (cell " + row.hash.substr(0, 8) + ")";
}

}  // namespace

std::vector<CellRow> cells_for_scores(const std::vector<CellRow>& cells) {
  std::map<std::string, const CellRow*> best;  // model.type → cell
  const auto rank = [](const CellRow& r) {
    return std::make_tuple(trained_length(r), r.accuracy.value_or(-1.0), r.parameters.value_or(0));
  };
  for (const auto& row : cells) {
    const std::string type = string_or(row.config, "model.type", "?");
    if (!is_copy_cell(row) || (type != "mamba" && type != "transformer")) continue;  // the scores' two families
    const CellRow*& held = best[type];
    if (!held || rank(row) > rank(*held)) held = &row;
  }
  std::vector<CellRow> chosen;
  for (const auto& [type, row] : best) chosen.push_back(*row);
  return chosen;
}

StoredTrainedScores measure_trained_scores(const std::vector<CellRow>& cells, const fs::path& sweep_dir,
                                           const fs::path& out_dir, const theory::CopyScoreOptions& options) {
  StoredTrainedScores stored;
  stored.options = options;
  for (const auto& row : cells) {
    const fs::path run = cell_dir(sweep_dir, row.hash);
    LoadedCheckpoint loaded = [&] {
      try {
        return load_checkpoint(run);
      } catch (const Error& e) {
        throw Error("trained scores: cell " + row.hash + ": " + e.what());
      }
    }();
    TrainedModelScores model;
    model.cell = row.hash;
    model.label = label_of(row, loaded.config.model);
    model.stem = std::string("scores_") + to_string(loaded.config.model.family) + "_" + row.hash.substr(0, 8);
    model.accuracy = row.accuracy.value_or(std::numeric_limits<double>::quiet_NaN());
    model.scores = theory::measure_copy_scores(loaded.model, *loaded.task, options);
    theory::write_copy_scores(model.scores, out_dir, model.stem,
                              (model.scores.mamba.empty() ? "logit gap at the source: " : "score at the source: ") +
                                  model.label);
    stored.models.push_back(std::move(model));
  }
  return stored;
}

}  // namespace fl::reproduce
