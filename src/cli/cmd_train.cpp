// freelunch train --config FILE [--set key=value …] [--out DIR] [--quiet]
#include <cstdio>

#include "cli/commands.h"
#include "cli/format.h"
#include "core/progress.h"
#include "report/table.h"
#include "train/trainer.h"

namespace fl::cli {

void add_train_command(CLI::App& root) {
  struct Args {
    std::string config, out;
    std::vector<std::string> sets;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("train", "train a model on a task (config file + overrides)");
  cmd->add_option("--config", args->config, "TOML or JSON config (see configs/)")->required();
  cmd->add_option("--set", args->sets, "override a key, e.g. --set model.d_model=128 (repeatable)");
  cmd->add_option("--out", args->out, "run directory (new or empty; default runs/<config name>)");
  cmd->add_flag("--quiet", args->quiet, "no progress bar");
  cmd->callback([args] {
    const auto config = RunConfig::load(args->config, args->sets);
    const std::filesystem::path out = args->out.empty()
                                          ? std::filesystem::path("runs") / std::filesystem::path(args->config).stem()
                                          : std::filesystem::path(args->out);
    const auto summary = train_run(config, out, !args->quiet);
    std::printf("%s", accuracy_table(summary.eval, config.make_task()->size_name()).c_str());
    std::printf("parameters %s, final loss %.4f, %.0f tokens/s, %s of training\ncheckpoint: %s\n",
                with_commas(summary.parameters).c_str(), summary.final_loss, summary.tokens_per_second,
                format_duration(summary.train_seconds).c_str(), out.string().c_str());
  });
}

}  // namespace fl::cli
