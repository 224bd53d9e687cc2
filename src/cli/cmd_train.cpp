// freelunch train --config FILE [--set key=value …] [--out DIR] [--stop-at STEP] [--quiet]
// freelunch train --resume DIR [--stop-at STEP] [--quiet]
// Under torchrun (RANK, WORLD_SIZE, … set: train/distributed_env.h) one process of a data-parallel
// run; [--dist-timeout S] bounds every wait for the other processes.
// SIGINT/SIGTERM stop at the next step boundary with a checkpoint and a one-line message saying
// how to continue; the process then dies of that signal (exit status 130 / 143 in a shell).
#include <cstdio>

#include "cli/commands.h"
#include "cli/format.h"
#include "core/output_path.h"
#include "core/progress.h"
#include "render/table.h"
#include "train/trainer.h"

namespace fl::cli {

void add_train_command(CLI::App& root) {
  struct Args {
    std::string config, out, resume;
    std::vector<std::string> sets;
    int64_t stop_at = 0;
    int64_t dist_timeout = 60;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("train", "train a model on a task (config file + overrides), or resume a run");
  auto* config = cmd->add_option("--config", args->config, "TOML or JSON config (see configs/)");
  auto* sets = cmd->add_option("--set", args->sets, "override a key, e.g. --set model.d_model=128 (repeatable)");
  auto* out = cmd->add_option("--out", args->out, "run directory (new or empty; default runs/<config name>)");
  cmd->add_option("--resume", args->resume, "continue the run in DIR from its latest checkpoint (same configuration)")
      ->excludes(config)
      ->excludes(sets)
      ->excludes(out);
  cmd->add_option("--stop-at", args->stop_at, "stop after STEP steps with a checkpoint (continue later with --resume)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000000}));
  cmd->add_option("--dist-timeout", args->dist_timeout,
                  "data-parallel runs (torchrun): seconds to wait for the other processes before failing (default 60)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400}));
  cmd->add_flag("--quiet", args->quiet, "no progress bar");
  cmd->callback([args] {
    require(!args->config.empty() || !args->resume.empty(), "train: --config FILE or --resume DIR is required");
    TrainOptions options;
    options.show_progress = !args->quiet;
    options.stop_at = args->stop_at;
    options.distributed = read_distributed_env();
    options.distributed_timeout = std::chrono::seconds(args->dist_timeout);
    const bool leader = !options.distributed || options.distributed->leader();
    const std::filesystem::path dir = !args->resume.empty() ? std::filesystem::path(args->resume)
                                      : args->out.empty()    ? std::filesystem::path("runs") /
                                                                std::filesystem::path(args->config).stem()
                                                             : std::filesystem::path(args->out);
    if (args->resume.empty() && leader) require_output_directory(dir, "--out");
    TrainSummary summary;
    try {
      summary = args->resume.empty() ? train_run(RunConfig::load(args->config, args->sets), dir, options)
                                      : resume_run(dir, options);
    } catch (const TrainingInterrupted& e) {  // main prints it and dies of the signal
      throw TrainingInterrupted(e.signal(), std::string(e.what()) + "; continue with: freelunch train --resume " +
                                                dir.string());
    }
    if (!leader) {  // rank 0 reports the run
      std::printf("%s: %lld steps done (rank 0 writes %s)\n", options.distributed->describe().c_str(),
                  static_cast<long long>(summary.steps_done), dir.string().c_str());
      return;
    }
    if (!summary.finished) {
      std::printf("stopped at step %lld (--stop-at); checkpoint: %s; continue with: freelunch train --resume %s\n",
                  static_cast<long long>(summary.steps_done), summary.checkpoint.string().c_str(),
                  dir.string().c_str());
      return;
    }
    std::printf("%s", accuracy_table(summary.eval, summary.size_name).c_str());
    std::printf("parameters %s, final loss %.4f, %.0f tokens/s, %s of training\ncheckpoint: %s\n",
                with_commas(summary.parameters).c_str(), summary.final_loss, summary.tokens_per_second,
                format_duration(summary.train_seconds).c_str(), dir.string().c_str());
  });
}

}  // namespace fl::cli
