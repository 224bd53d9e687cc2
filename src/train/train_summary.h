// What a finished (or stopped) training run reports, and its stored form: a finished run's
// summary.json, written by the trainer and read back by compare and the sweeps through
// RunDirectory (train/run_directory.h), never parsed by hand elsewhere.
//
// summary.json: {"final_loss", "tokens_per_s", "train_seconds", "parameters",
//                "state_bytes_per_token", "threads", "eval": EvalReport::to_json(),
//                "generation": EvalReport::generation_json() (only when generated),
//                "validation": EvalReport::to_json() of the validation split (only with eval.validation > 0)}
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/config.h"
#include "eval/evaluator.h"

namespace fl {

struct TrainSummary {
  double final_loss = 0;         // mean loss over the last log interval
  double tokens_per_second = 0;  // training tokens (inputs, padding excluded) per wall second
  double train_seconds = 0;
  int64_t parameters = 0;
  int64_t state_bytes_per_token = 0;  // the model's inference state at t = 1
  int64_t threads = 0;                // libtorch threads the run trained with
  EvalReport eval;
  std::optional<EvalReport> validation;  // the validation split's (eval.validation > 0)
  std::string size_name;       // the task's size parameter (Task::size_name), for tables (not stored)
  bool finished = true;        // false: stopped at TrainOptions::stop_at (no evaluation, no summary.json)
  int64_t steps_done = 0;      // (not stored)
  std::filesystem::path checkpoint;  // the run directory when finished, else the checkpoint it stopped at (not stored)

  Json to_json() const;  // summary.json
  // The inverse of to_json; nlohmann's exception on a missing key or a wrong type.
  static TrainSummary from_json(const Json& json);
};

}  // namespace fl
