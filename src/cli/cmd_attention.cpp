// freelunch attention --checkpoint DIR [--compare DIR] (--input "TEXT" | --sample [--seed S] [--size N])
//                     [--out DIR] [--layer K] [--channel D]
// Flags, then theory/attention_report.h does the work (its header lists the files written).
#include <cstdio>
#include <limits>

#include "cli/commands.h"
#include "cli/flags.h"
#include "core/error.h"
#include "core/rng.h"
#include "theory/attention_report.h"

namespace fl::cli {

namespace {

struct AttentionArgs {
  std::string checkpoint, compare, input, out;
  bool sample = false;
  int64_t seed = 1, size = 0, layer = -1, channel = -1;
};

// The tokens to analyse: --input parsed with the checkpoint's vocabulary, or one example of its
// task (the whole sequence, answer included) drawn as `freelunch sample --seed` draws it.
std::vector<int32_t> input_tokens(const AttentionArgs& a, const Task& task, bool has_size) {
  require(a.sample != !a.input.empty(), "give either --input \"TOKENS\" or --sample");
  require(a.sample || !has_size, "--size needs --sample");
  if (a.sample) {
    Rng rng(static_cast<uint64_t>(a.seed), kStreamTrainData);
    return has_size ? task.sample_at(rng, a.size).tokens : task.sample(rng).tokens;
  }
  try {
    auto ids = task.vocab().parse(a.input);
    require(!ids.empty(), "empty input");
    return ids;
  } catch (const Error& e) {
    throw Error(std::string("--input: ") + e.what());
  }
}

}  // namespace

void add_attention_command(CLI::App& root) {
  auto a = std::make_shared<AttentionArgs>();
  auto* cmd = root.add_subcommand("attention", "the hidden attention of a Mamba, hybrid, Mamba-2 or linear-attention "
                                               "model per layer, checked against the scan, beside a Transformer's "
                                               "attention maps");
  cmd->add_option("--checkpoint", a->checkpoint, "Mamba, hybrid, Mamba-2 or linear-attention run directory")->required();
  cmd->add_option("--compare", a->compare, "Transformer run directory: its attention maps on the same tokens");
  auto* input = cmd->add_option("--input", a->input, "whitespace-separated token names, e.g. \"$ a b c | a b c .\"");
  auto* sample = cmd->add_flag("--sample", a->sample, "analyse one example of the checkpoint's task instead");
  input->excludes(sample);
  add_seed_option(cmd, a->seed, "with --sample: seed of the example (as 'freelunch sample --seed')");
  auto* size = cmd->add_option("--size", a->size, "with --sample: draw an example of this task size");
  cmd->add_option("--out", a->out, "directory of the plots and report (default <checkpoint>/attention)");
  cmd->add_option("--layer", a->layer, "analyse only this layer (0-based)")
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  cmd->add_option("--channel", a->channel, "the channel (Mamba) or head (Mamba-2, linear attention) shown alone "
                                       "(default: the one with the largest mean |S|)")
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  cmd->callback([a, size] {
    theory::AttentionOptions o;
    o.checkpoint = a->checkpoint, o.compare = a->compare, o.out = a->out;
    if (a->layer >= 0) o.layer = a->layer;
    if (a->channel >= 0) o.channel = a->channel;
    const bool has_size = size->count() > 0;
    o.tokens = [a, has_size](const Task& task) { return input_tokens(*a, task, has_size); };
    std::printf("%s", theory::write_attention_report(o).c_str());
  });
}

}  // namespace fl::cli
