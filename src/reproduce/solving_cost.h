// The cost of a model that solves the task: the paper's "no free lunch" statement, measured from
// trained sweep cells (the cost section, reproduce/report_sections.h). Torch-free.
//
// Given the done cells of one task, each with a task size T (copy: task.max_len, judged by the
// whole copied string at length T; a DP task with CoT: task.n, judged by the final answer over its
// evaluation examples), the cells are grouped into models: a model is a cell's whole configuration
// but its seed (so train.lr, like any other key, tells models apart), its accuracy the mean over
// its seeds (AccuracyRuns). For each size T and each family — Mamba, or a Transformer with full
// attention (windowed Transformers are left out) — the *smallest solving model* is, among that
// family's models measured at T whose mean accuracy reaches kAccuracyTarget (the mean, not the
// lower end of the 95% interval; the interval is shown beside it), the one with the fewest bytes of
// inference state at the end of one example, then the fewest parameters, then the first label.
// A size where none of a family's models reaches the target is censored and kept as a row.
//
// The cost of one example of size T: its token count t comes from the task itself — the mean
// length (BOS … EOS, prompt and answer) of kTokenSamples examples Task::sample_at(T) drawn from
// Rng(kTokenSeed, 0) by the task the cell's configuration makes (exact for copy: 2T + 3) — and,
// with t rounded to the nearest integer, cost::state_bytes(config, t) (a Transformer's KV cache
// after the whole example; Mamba's constant state) and cost::total_flops(config, t) (every token of
// the example, prompt and generated, through the step path from an empty state).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/statistics.h"
#include "experiments/results_store.h"
#include "models/model_family.h"
#include "report/verdict.h"

namespace fl::reproduce {

constexpr int64_t kTokenSamples = 16;
constexpr uint64_t kTokenSeed = 20241015;

// How one task's cells are read.
struct SolvingTask {
  std::string task;      // task.name
  std::string size_key;  // the config key holding T: "task.max_len" (copy), "task.n" (DP tasks)
  bool by_answer = false;  // judged by the final answer over all examples (DP), else the whole output at T
};

// A family's smallest solving model at one size T (or the censored size).
struct SolvingModel {
  double size = 0;  // T
  ModelFamily family = ModelFamily::mamba;
  int64_t models = 0;     // the family's models measured at T (the candidates)
  bool solved = false;    // false: censored, none of the `models` reached the target
  std::string label;      // ModelConfig::label(); censored: the best candidate's
  int64_t width = 0;      // d_model
  double d_state = NAN;   // Mamba only
  double tokens = 0;      // one example of size T
  double state_bytes = NAN, total_flops = NAN;  // NaN when censored
  std::optional<int64_t> parameters;
  AccuracyRuns accuracy;  // censored: the best candidate's (highest mean)
};

// The rows of `done` (done cells of task.task; other cells are ignored), by T, Mamba before the
// Transformer. fl::Error naming the cell when its configuration does not resolve.
std::vector<SolvingModel> smallest_solving_models(const std::vector<CellRow>& done, const SolvingTask& task);

// One family's rows as the points verdict_no_free_lunch reads (censored rows as NaN).
std::vector<SolvingPoint> solving_points(const std::vector<SolvingModel>& rows, ModelFamily family);

}  // namespace fl::reproduce
