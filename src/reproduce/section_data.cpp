#include "reproduce/section_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "experiments/results_query.h"
#include "render/table.h"

namespace fl::reproduce {

std::vector<CellRow> done_cells(const std::vector<CellRow>& cells) {
  std::vector<CellRow> done;
  for (const auto& c : cells)
    if (c.status == CellStatus::kDone) done.push_back(c);
  return done;
}

std::vector<CellRow> done_cells(const std::vector<CellRow>& cells, const std::vector<std::string>& tasks) {
  std::vector<CellRow> done;
  for (const auto& c : done_cells(cells))
    if (std::find(tasks.begin(), tasks.end(), text(c, "task.name", cells)) != tasks.end()) done.push_back(c);
  return done;
}

ExperimentSummary experiment_summary(const ExperimentSummary& suite, const std::vector<CellRow>& done,
                                     const std::vector<CellRow>& cells, const std::string& grid,
                                     const std::string& accuracy_note) {
  ExperimentSummary e = suite;
  e.grid = grid;
  e.budget = budget_text(done);
  e.notes = join_notes({accuracy_note, status_note(cells)});
  return e;
}

std::string status_note(const std::vector<CellRow>& cells) {
  std::map<CellStatus, int64_t> n;
  for (const auto& c : cells) ++n[c.status];
  const int64_t missing = static_cast<int64_t>(cells.size()) - n[CellStatus::kDone];
  if (missing == 0) return "";
  std::string parts;
  for (auto status : {CellStatus::kFailed, CellStatus::kRunning, CellStatus::kQueued})
    if (n[status] > 0) parts += (parts.empty() ? "" : ", ") + std::to_string(n[status]) + " " + status_name(status);
  return std::to_string(missing) + " of " + std::to_string(cells.size()) + " cells are not in the tables (" + parts +
         "): rerun freelunch reproduce to finish them.";
}

double number(const CellRow& cell, const std::string& column, const std::vector<CellRow>& cells) {
  const Json v = cell_value(cell, column, cells);
  return v.is_number() ? v.get<double>() : NAN;
}

std::string text(const CellRow& cell, const std::string& column, const std::vector<CellRow>& cells) {
  const Json v = cell_value(cell, column, cells);
  return v.is_null() ? "" : v.is_string() ? v.get<std::string>() : v.dump();
}

double accuracy_at(const CellRow& cell, int64_t size, const std::vector<CellRow>& cells) {
  const double generated = number(cell, "gen@" + std::to_string(size), cells);
  return std::isnan(generated) ? number(cell, "acc@" + std::to_string(size), cells) : generated;
}

double answer_accuracy(const CellRow& cell) {
  if (!cell.metrics.is_object()) return NAN;
  const Json overall = cell.metrics.value("eval", Json::object()).value("overall", Json::object());
  for (const char* mode : {"gen", "tf"})
    if (overall.contains(mode) && overall[mode].contains("answer")) return overall[mode]["answer"].get<double>();
  return NAN;
}

int64_t examples_at(const CellRow& cell, int64_t size) {
  if (!cell.metrics.is_object()) return 0;
  for (const auto& row : cell.metrics.value("eval", Json::object()).value("by_size", Json::array()))
    if (row.value("size", int64_t{-1}) == size) return row.value("n", int64_t{0});
  return 0;
}

int64_t overall_examples(const CellRow& cell) {
  if (!cell.metrics.is_object()) return 0;
  int64_t n = 0;
  for (const auto& row : cell.metrics.value("eval", Json::object()).value("by_size", Json::array()))
    n += row.value("n", int64_t{0});
  return n;
}

int64_t cell_seed(const CellRow& cell, const std::vector<CellRow>& cells) {
  const double seed = number(cell, "seed", cells);
  return std::isnan(seed) ? 1 : static_cast<int64_t>(seed);
}

std::string accuracy_cell(const AccuracyRuns& runs) {
  const size_t seeds = runs.accuracies.size();
  return interval_text(runs) + (seeds > 1 ? " (" + std::to_string(seeds) + " seeds)" : "");
}

std::string CellModel::dims() const { return "d" + std::to_string(width) + "×" + std::to_string(depth); }

CellModel cell_model(const CellRow& cell, const std::vector<CellRow>& cells) {
  const auto integer = [&](const char* key) { return static_cast<int64_t>(number(cell, key, cells)); };
  const std::string type = text(cell, "model.type", cells);
  ModelConfig config;
  config.family = type == "window" ? ModelFamily::transformer : parse_model_family(type, "model.type");
  config.window = config.has_attention() ? integer("model.window") : 0;
  if (const Json layers = cell_value(cell, "model.attn_layers", cells); config.family == ModelFamily::hybrid && layers.is_array())
    config.attn_layers = layers.get<std::vector<int64_t>>();
  config.d_model = integer("model.d_model"), config.n_layer = integer("model.n_layer");
  config.d_state = integer("model.d_state");
  if (const double hidden = number(cell, "model.lstm_hidden", cells); !std::isnan(hidden))
    config.lstm_hidden = static_cast<int64_t>(hidden);  // 0 (the default) = d_model
  if (const double headdim = number(cell, "model.headdim", cells); !std::isnan(headdim))
    config.headdim = static_cast<int64_t>(headdim);
  if (const std::string decay = text(cell, "model.decay", cells); !decay.empty()) config.decay = decay;
  return {config.family,   config.window,
          config.label(),  config.d_model,
          config.n_layer,  number(cell, "model.d_state", cells),
          integer("model.d_conv"), number(cell, "model.expand", cells)};
}

int64_t CellModel::reach() const {
  if (is_mamba() || family == ModelFamily::mamba2) return depth * (d_conv - 1);
  if (family == ModelFamily::lstm || family == ModelFamily::linear) return 0;  // no window: a state carries every token
  if (window == 0) return -1;
  return depth * (family == ModelFamily::hybrid ? std::max(window, d_conv) - 1 : window - 1);
}

std::string number_text(double value) {
  if (std::isnan(value)) return "–";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return with_commas(static_cast<int64_t>(value));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", value);
  return buf;
}

std::string budget_text(const std::vector<CellRow>& cells) {
  std::set<std::string> budgets;
  for (const auto& c : cells) {
    const double pack = number(c, "train.pack_len", cells);
    std::string b = number_text(number(c, "train.steps", cells)) + " steps × " +
                    number_text(number(c, "train.batch_size", cells)) +
                    (pack > 0 ? " sequences (packed to " + number_text(pack) + " tokens)" : " examples") + ", lr " +
                    number_text(number(c, "train.lr", cells));
    budgets.insert(b);
  }
  std::string out;
  for (const auto& b : budgets) out += (out.empty() ? "" : "; ") + b;
  return out;
}

std::vector<double> distinct_numbers(const std::vector<CellRow>& cells, const std::string& column) {
  std::set<double> values;
  for (const auto& c : cells)
    if (const double v = number(c, column, cells); !std::isnan(v)) values.insert(v);
  return {values.begin(), values.end()};
}

std::string value_set(const std::vector<CellRow>& cells, const std::string& column) {
  std::string out;
  for (double v : distinct_numbers(cells, column)) out += (out.empty() ? "" : ", ") + number_text(v);
  return "{" + out + "}";
}

void add_plot(ClaimSection& section, const LinePlot& plot, const std::filesystem::path& report_dir,
              const std::string& name, const std::string& caption) {
  const auto drawable = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!plot.log_x || x > 0) && (!plot.log_y || y > 0);
  };
  for (const auto& series : plot.series)
    for (size_t i = 0; i < series.x.size() && i < series.y.size(); ++i)
      if (drawable(series.x[i], series.y[i])) {
        section.plots.push_back({caption, write_plot(plot, report_dir / name)});
        return;
      }
  section.experiment.notes = join_notes({section.experiment.notes, "(Plot \"" + plot.title + "\": nothing to draw.)"});
}

std::string join_notes(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts)
    if (!p.empty()) out += (out.empty() ? "" : " ") + p;
  return out;
}

}  // namespace fl::reproduce
