// The whole configuration of one run: seed, model, task, training and evaluation.
// Built from a TOML/JSON document plus --set overrides; every key is declared by the box that
// uses it (ModelConfig, the task, TrainConfig, EvalConfig) and unknown keys are rejected.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "models/model_config.h"
#include "tasks/task.h"

namespace fl {

struct TrainConfig {
  int64_t steps, batch_size, pack_len, warmup, samples, log_every, eval_every, checkpoint_every;
  double lr, min_lr_ratio, weight_decay, beta1, beta2, eps, grad_clip;
  static std::vector<ParamSpec> specs();
  static TrainConfig from(const ParamValues& v);
};

struct EvalConfig {
  std::vector<int64_t> sizes;  // empty = the task's default sizes
  int64_t samples, batch_size;
  bool generate;
  int64_t validation;  // examples per size of the validation split; 0 = none
  static std::vector<ParamSpec> specs();
  static EvalConfig from(const ParamValues& v);
};

struct RunConfig {
  int64_t seed = 0;
  std::string task_name;
  ParamValues values;  // every resolved key, for saving
  ModelConfig model;
  TrainConfig train;
  EvalConfig eval;
  // For a task that reads files (Task::reads_files): its vocabulary, recorded in checkpoints
  // (vocab.json) so that they load when the files have moved; empty for other tasks.
  std::vector<std::string> recorded_vocab;

  // `recorded_vocab`: the vocabulary a checkpoint recorded (restore_task), or empty.
  static RunConfig load(const std::filesystem::path& path, const std::vector<std::string>& overrides,
                        const std::vector<std::string>& recorded_vocab = {});
  static RunConfig from_raw(RawConfig raw, const std::vector<std::string>& recorded_vocab = {});
  // A document the user wrote (a config file with its --set overrides, a freelunch.json): as
  // from_raw, and model.type must be set and no key may belong to another model family.
  static RunConfig from_document(RawConfig raw, const std::vector<std::string>& recorded_vocab = {});
  // Every key but the task's own ("task.*" parameters come from task_param_specs).
  static std::vector<ParamSpec> general_specs();
  std::unique_ptr<Task> make_task() const;
  // The resolved configuration (model section with vocab_size and dt_rank filled in).
  Json to_json() const;
};

}  // namespace fl
