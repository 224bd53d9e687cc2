// freelunch compare CONFIG… [--set key=value …] [--out DIR]: flags, then experiments/compare.h.
#include <cstdio>

#include "cli/commands.h"
#include "experiments/compare.h"

namespace fl::cli {

void add_compare_command(CLI::App& root) {
  auto o = std::make_shared<CompareOptions>();
  o->out = "runs/compare";
  auto* cmd = root.add_subcommand("compare", "train several configs with one budget and compare accuracy and cost");
  cmd->add_option("configs", o->configs, "config files (TOML or JSON)")->required();
  cmd->add_option("--set", o->overrides, "override applied to every config (repeatable)");
  cmd->add_option("--out", o->out, "directory of the runs (one subdirectory per config)")->capture_default_str();
  cmd->callback([o] { std::printf("%s", run_compare(*o).c_str()); });
}

}  // namespace fl::cli
