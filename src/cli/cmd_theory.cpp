// freelunch theory copy|local-dp|scores: the paper's constructions and bounds as runnable checks
// (docs/THEORY.md). Each subcommand lives in its own file.
#include "cli/commands.h"

namespace fl::cli {

void add_theory_command(CLI::App& root) {
  auto* theory = root.add_subcommand("theory", "the paper's constructions and bounds, checked numerically");
  theory->require_subcommand(1);
  add_theory_copy_command(*theory);
  add_theory_local_dp_command(*theory);
  add_theory_scores_command(*theory);
}

}  // namespace fl::cli
