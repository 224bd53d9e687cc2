#include "reproduce/solving_cost.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "core/error.h"
#include "core/rng.h"
#include "cost/analytic_cost.h"
#include "experiments/sweep_spec.h"
#include "reproduce/section_data.h"
#include "train/run_config.h"

namespace fl::reproduce {
namespace {

// One model (a configuration but its seed) at its task size: its cost and its runs.
struct Candidate {
  double size = NAN;
  ModelConfig config;
  double tokens = 0, state_bytes = 0, total_flops = 0;
  std::optional<int64_t> parameters;
  AccuracyRuns accuracy;
};

// The cell's configuration without its seed: the key its seeds share.
std::string model_key(const CellRow& cell) {
  Json config = cell.config;
  if (config.is_object()) config.erase("seed");
  return config.dump();
}

// The mean token count of kTokenSamples examples of size T of the cell's task.
double example_tokens(const RunConfig& rc, int64_t size) {
  const auto task = rc.make_task();
  Rng rng(kTokenSeed, 0);
  double total = 0;
  for (int64_t i = 0; i < kTokenSamples; ++i) total += static_cast<double>(task->sample_at(rng, size).tokens.size());
  return total / kTokenSamples;
}

Candidate candidate(const CellRow& cell, const std::vector<CellRow>& done, const SolvingTask& task) {
  Candidate c;
  c.size = number(cell, task.size_key, done);
  require(std::isfinite(c.size) && c.size >= 1,
          "cell " + cell.hash + ": " + task.size_key + " is not a task size (" + text(cell, task.size_key, done) + ")");
  const RunConfig rc = RunConfig::from_raw(cell_raw_config(cell.config, cell.hash));
  c.config = rc.model;
  c.tokens = example_tokens(rc, static_cast<int64_t>(c.size));
  const int64_t t = std::llround(c.tokens);
  c.state_bytes = static_cast<double>(cost::state_bytes(c.config, t));
  c.total_flops = cost::total_flops(c.config, t);
  c.parameters = cell.parameters;
  return c;
}

// The cell's accuracy, with the evaluation examples behind it, as the task is judged.
void add_run(Candidate& c, const CellRow& cell, const std::vector<CellRow>& done, const SolvingTask& task) {
  const int64_t seed = cell_seed(cell, done);
  if (task.by_answer) {
    c.accuracy.add(seed, answer_accuracy(cell), overall_examples(cell));
    return;
  }
  const auto T = static_cast<int64_t>(c.size);
  if (const double at_size = accuracy_at(cell, T, done); !std::isnan(at_size))
    c.accuracy.add(seed, at_size, examples_at(cell, T));
  else  // T not evaluated: the accuracy over all the cell's sizes
    c.accuracy.add(seed, cell.accuracy ? *cell.accuracy : NAN, overall_examples(cell));
}

// Fewest state bytes, then fewest parameters, then the first label.
bool smaller(const Candidate& a, const Candidate& b) {
  const int64_t pa = a.parameters.value_or(INT64_MAX), pb = b.parameters.value_or(INT64_MAX);
  return std::make_tuple(a.state_bytes, pa, a.config.label()) < std::make_tuple(b.state_bytes, pb, b.config.label());
}

SolvingModel row_of(const Candidate& c, int64_t models, bool solved) {
  SolvingModel r;
  r.size = c.size, r.family = c.config.family, r.models = models, r.solved = solved;
  r.label = c.config.label(), r.width = c.config.d_model;
  r.d_state = c.config.is_mamba() ? static_cast<double>(c.config.d_state) : NAN;
  r.tokens = c.tokens, r.parameters = c.parameters, r.accuracy = c.accuracy;
  if (solved) r.state_bytes = c.state_bytes, r.total_flops = c.total_flops;
  return r;
}

// The smallest candidate reaching the target; censored: the one with the highest mean accuracy.
SolvingModel smallest(const std::vector<Candidate>& candidates) {
  const Candidate* best = nullptr;
  for (const auto& c : candidates)
    if (c.accuracy.mean() >= kAccuracyTarget && (!best || smaller(c, *best))) best = &c;
  const auto models = static_cast<int64_t>(candidates.size());
  if (best) return row_of(*best, models, true);
  const auto most_accurate = [](const Candidate& a, const Candidate& b) {
    const double ma = a.accuracy.empty() ? -1 : a.accuracy.mean(), mb = b.accuracy.empty() ? -1 : b.accuracy.mean();
    return ma < mb;
  };
  return row_of(*std::max_element(candidates.begin(), candidates.end(), most_accurate), models, false);
}

}  // namespace

std::vector<SolvingModel> smallest_solving_models(const std::vector<CellRow>& done, const SolvingTask& task) {
  std::map<std::string, Candidate> models;  // model_key → the model, its seeds' runs gathered
  for (const auto& cell : done) {
    if (cell.status != CellStatus::kDone || text(cell, "task.name", done) != task.task) continue;
    const CellModel model = cell_model(cell, done);
    if (!model.is_mamba() && !model.full_attention()) continue;
    const std::string key = model_key(cell);
    auto it = models.find(key);
    if (it == models.end()) it = models.emplace(key, candidate(cell, done, task)).first;
    add_run(it->second, cell, done, task);
  }
  std::map<std::pair<double, ModelFamily>, std::vector<Candidate>> by_size;  // (T, family) → its models
  for (const auto& [key, c] : models) by_size[{c.size, c.config.family}].push_back(c);
  std::vector<SolvingModel> rows;
  for (const auto& [size_family, candidates] : by_size) rows.push_back(smallest(candidates));
  return rows;
}

std::vector<SolvingPoint> solving_points(const std::vector<SolvingModel>& rows, ModelFamily family) {
  std::vector<SolvingPoint> points;
  for (const auto& r : rows)
    if (r.family == family) points.push_back({r.size, r.state_bytes, r.total_flops});
  return points;
}

}  // namespace fl::reproduce
