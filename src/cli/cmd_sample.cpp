// freelunch sample --task NAME [--n 8] [--seed 1] [--set task.k=v …] [--size S] [--ids] [--show-masks]:
// prints n examples of a task, one per line, as token names (or ids), drawn with
// Rng(seed, kStreamTrainData) by task.sample, or by task.sample_at(size) with --size.
// --show-masks adds a line under each example: "^" under targets, "A" under answer tokens.
#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "cli/flags.h"
#include "core/config.h"
#include "core/rng.h"
#include "render/text.h"
#include "tasks/task.h"

namespace fl::cli {

namespace {

struct SampleOptions {
  std::string task;
  int64_t n = 8, seed = 1, size = 0;
  std::vector<std::string> sets;
  bool ids = false, masks = false;
};

// The tokens joined by spaces, and (with masks) a line marking each token's column.
void print_example(const Task& task, const Example& ex, bool ids, bool masks) {
  std::string tokens, marks;
  for (size_t t = 0; t < ex.tokens.size(); ++t) {
    const std::string cell = ids ? std::to_string(ex.tokens[t]) : task.vocab().render({ex.tokens[t]});
    const bool answer = t < ex.answer_mask.size() && ex.answer_mask[t], target = t < ex.loss_mask.size() && ex.loss_mask[t];
    tokens += (t ? " " : "") + cell;
    marks += (t ? " " : "") + std::string(1, answer ? 'A' : target ? '^' : ' ') +
             std::string(std::max<size_t>(utf8_width(cell), 1) - 1, ' ');
  }
  while (!marks.empty() && marks.back() == ' ') marks.pop_back();
  std::printf("%s\n", tokens.c_str());
  if (masks) std::printf("%s\n", marks.c_str());
}

}  // namespace

void add_sample_command(CLI::App& root) {
  auto o = std::make_shared<SampleOptions>();
  auto* cmd = root.add_subcommand("sample", "print examples of a task (token names, or ids)");
  cmd->add_option("--task", o->task, "task name (see 'freelunch tasks')")->required();
  cmd->add_option("--n", o->n, "number of examples")->check(CLI::Range(int64_t{0}, int64_t{1000000000}));
  add_seed_option(cmd, o->seed, "seed of the training-data stream");
  cmd->add_option("--set", o->sets, "task parameter, key=value (repeatable), e.g. --set task.max_len=5");
  auto* size = cmd->add_option("--size", o->size, "draw examples of this size (task.sample_at) instead of training ones");
  cmd->add_flag("--ids", o->ids, "print token ids instead of names");
  cmd->add_flag("--show-masks", o->masks, "under each example mark targets (^) and answer tokens (A)");
  cmd->callback([o, size] {
    RawConfig raw{"--set", {}, {}};
    for (const auto& assignment : o->sets) raw.apply_override(assignment);
    const auto specs = task_param_specs(o->task);
    const ParamValues values = resolve(raw, specs);
    reject_unknown_keys(raw, specs);
    const auto task = make_task(o->task, values);
    Rng rng(static_cast<uint64_t>(o->seed), kStreamTrainData);
    for (int64_t i = 0; i < o->n; ++i)
      print_example(*task, size->count() ? task->sample_at(rng, o->size) : task->sample(rng), o->ids, o->masks);
  });
}

}  // namespace fl::cli
