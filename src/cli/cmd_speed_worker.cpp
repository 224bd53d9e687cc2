// freelunch speed-worker train|decode: one measurement of `freelunch speed` in a child process
// (speed/workers.h), printed as one JSON line; hidden from --help, not for users.
#include <cstdio>
#include <limits>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "speed/workers.h"

namespace fl::cli {

void add_speed_worker_command(CLI::App& root) {
  struct WorkerArgs {
    std::string checkpoint, positions = "64,1024,8192";
    int64_t batch = 16, length = 128, steps = 5, warmup = 2, tokens = 32, seed = 1;
  };
  const CLI::Range kPositive(int64_t{1}, std::numeric_limits<int64_t>::max()),
      kNonNegative(int64_t{0}, std::numeric_limits<int64_t>::max());
  auto w = std::make_shared<WorkerArgs>();
  auto* worker = root.add_subcommand("speed-worker", "one measurement of `freelunch speed`, in a child process");
  worker->group("");  // internal: hidden from --help
  worker->require_subcommand(1);
  auto* train = worker->add_subcommand("train", "time training steps");
  auto* decode = worker->add_subcommand("decode", "time batch-1 generation steps");
  for (auto* sub : {train, decode}) {
    sub->add_option("--checkpoint", w->checkpoint, "checkpoint directory")->required();
    add_seed_option(sub, w->seed, "seed of the random tokens");
  }
  train->add_option("--batch", w->batch)->check(kPositive);
  train->add_option("--length", w->length)->check(kPositive);
  train->add_option("--steps", w->steps)->check(kPositive);
  train->add_option("--warmup", w->warmup)->check(kNonNegative);
  decode->add_option("--positions", w->positions, "increasing positions, comma-separated");
  decode->add_option("--tokens", w->tokens, "steps timed at each position")->check(kPositive);
  train->callback([w] {
    std::printf("%s\n", speed::train_timing(w->checkpoint, w->batch, w->length, w->steps, w->warmup, w->seed).dump().c_str());
  });
  decode->callback([w] {
    const auto positions = parse_positive_list(w->positions, "--positions", true);
    std::printf("%s\n", speed::decode_timing(w->checkpoint, positions, w->tokens, w->seed).dump().c_str());
  });
}

}  // namespace fl::cli
