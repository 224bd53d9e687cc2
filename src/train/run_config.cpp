#include "train/run_config.h"

#include <set>

#include "core/error.h"
#include "core/rng.h"

namespace fl {

std::vector<ParamSpec> TrainConfig::specs() {
  return {
      {"train.steps", Kind::Int, 1000, "optimizer steps", 1, 1e9},
      {"train.batch_size", Kind::Int, 64, "sequences per step (examples, or packed rows with train.pack_len)", 1, 1 << 20},
      {"train.pack_len", Kind::Int, 0, "0 = one example per sequence; N = pack whole examples into sequences of ≤ N tokens", 0, 1 << 24},
      {"train.lr", Kind::Float, 1e-3, "peak learning rate", 0.0, 10.0},
      {"train.min_lr_ratio", Kind::Float, 0.1, "final lr / peak lr of the cosine decay", 0.0, 1.0},
      {"train.warmup", Kind::Int, 100, "linear warm-up steps", 0, 1e9},
      {"train.weight_decay", Kind::Float, 0.1, "AdamW decay on matrices (never A_log, D, norms, biases)", 0.0, 10.0},
      {"train.beta1", Kind::Float, 0.9, "AdamW beta1", 0.0, 0.999999},
      {"train.beta2", Kind::Float, 0.98, "AdamW beta2", 0.0, 0.999999},
      {"train.eps", Kind::Float, 1e-8, "AdamW epsilon", 0.0, 1.0},
      {"train.grad_clip", Kind::Float, 1.0, "clip the global gradient norm (0 = off)", 0.0, 1e9},
      {"train.samples", Kind::Int, 0, "fixed training set of S examples (0 = fresh samples every step)", 0, 1e10},
      {"train.log_every", Kind::Int, 50, "steps between metric lines", 1, 1e9},
      {"train.eval_every", Kind::Int, 0, "steps between evaluations (0 = only at the end)", 0, 1e9},
      {"train.checkpoint_every", Kind::Int, 200, "steps between checkpoints for `train --resume` (0 = only when interrupted)", 0, 1e9},
  };
}

TrainConfig TrainConfig::from(const ParamValues& v) {
  TrainConfig t;
  t.steps = v.get_int("train.steps");
  t.batch_size = v.get_int("train.batch_size");
  t.pack_len = v.get_int("train.pack_len");
  t.lr = v.get_float("train.lr");
  t.min_lr_ratio = v.get_float("train.min_lr_ratio");
  t.warmup = v.get_int("train.warmup");
  t.weight_decay = v.get_float("train.weight_decay");
  t.beta1 = v.get_float("train.beta1");
  t.beta2 = v.get_float("train.beta2");
  t.eps = v.get_float("train.eps");
  t.grad_clip = v.get_float("train.grad_clip");
  t.samples = v.get_int("train.samples");
  t.log_every = v.get_int("train.log_every");
  t.eval_every = v.get_int("train.eval_every");
  t.checkpoint_every = v.get_int("train.checkpoint_every");
  return t;
}

std::vector<ParamSpec> EvalConfig::specs() {
  return {
      {"eval.sizes", Kind::IntList, Json::array(), "task sizes to evaluate (copy: lengths); [] = the task's range", 1, 1e7},
      {"eval.samples", Kind::Int, 100, "examples per size", 1, 1e7},
      {"eval.batch_size", Kind::Int, 256, "examples per evaluation batch", 1, 1 << 20},
      {"eval.generate", Kind::Bool, true, "also evaluate by free greedy generation through step()"},
      {"eval.validation", Kind::Int, 0,
       "validation examples per size, disjoint from the evaluation and training examples, evaluated at the end "
       "(for choosing hyperparameters); 0 = none",
       0, 1e7},
  };
}

EvalConfig EvalConfig::from(const ParamValues& v) {
  return {v.get_int_list("eval.sizes"), v.get_int("eval.samples"), v.get_int("eval.batch_size"),
          v.get_bool("eval.generate"), v.get_int("eval.validation")};
}

std::vector<ParamSpec> RunConfig::general_specs() {
  std::vector<ParamSpec> specs = {
      {"seed", Kind::Int, 1, "one seed for data, initialisation and order", 0, static_cast<double>(kMaxSeed)},
      {"task.name", Kind::String, "copy", "task to train and evaluate on"},
  };
  for (auto* group : {&ModelConfig::specs, &TrainConfig::specs, &EvalConfig::specs})
    for (auto& s : (*group)()) specs.push_back(std::move(s));
  return specs;
}

RunConfig RunConfig::from_raw(RawConfig raw, const std::vector<std::string>& recorded_vocab) {
  RunConfig rc;
  rc.recorded_vocab = recorded_vocab;
  auto general = general_specs();
  rc.values = resolve(raw, general);
  rc.task_name = rc.values.get_string("task.name");
  auto task_specs = task_param_specs(rc.task_name);
  auto task_values = resolve(raw, task_specs);
  general.insert(general.end(), task_specs.begin(), task_specs.end());
  reject_unknown_keys(raw, general);
  for (const auto& [key, value] : task_values.all()) rc.values.put(key, value);

  rc.seed = rc.values.get_int("seed");
  rc.train = TrainConfig::from(rc.values);
  rc.eval = EvalConfig::from(rc.values);
  const auto task = rc.make_task();  // validates the task's own constraints
  if (task->reads_files()) rc.recorded_vocab = task->vocab().names();
  rc.model = ModelConfig::from(rc.values, task->vocab().size());
  return rc;
}

RunConfig RunConfig::load(const std::filesystem::path& path, const std::vector<std::string>& overrides,
                          const std::vector<std::string>& recorded_vocab) {
  RawConfig raw = RawConfig::from_file(path);
  for (const auto& o : overrides) raw.apply_override(o);
  return from_document(std::move(raw), recorded_vocab);
}

RunConfig RunConfig::from_document(RawConfig raw, const std::vector<std::string>& recorded_vocab) {
  const std::string source = raw.source + ": ";
  std::set<std::string> given;  // the keys the user set, in the file or with --set
  for (const auto& [key, value] : raw.values) given.insert(key);
  for (const auto& [key, text] : raw.overrides) given.insert(key);
  RunConfig rc = from_raw(std::move(raw), recorded_vocab);
  require(given.count("model.type") != 0, source + "model.type is not set (mamba, transformer, window, hybrid, lstm, mamba2 or linear); "
                                                   "every other key has a default (docs/CONFIG.md)");
  for (const auto& key : given)
    require(ModelConfig::reads(rc.model.family, key),
            source + key + " applies to model.type = " + ModelConfig::families_reading(key, " or ") + ", not to " +
                rc.values.get_string("model.type") + " (remove it)");
  return rc;
}

std::unique_ptr<Task> RunConfig::make_task() const {
  return recorded_vocab.empty() ? fl::make_task(task_name, values) : restore_task(task_name, values, recorded_vocab);
}

Json RunConfig::to_json() const {
  Json j = values.to_nested_json();
  j["model"] = model.to_json();
  return j;
}

}  // namespace fl
