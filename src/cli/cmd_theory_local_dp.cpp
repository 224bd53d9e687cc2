// freelunch theory local-dp: the hand-built Mamba models for the DP tasks (theory/local_dp_theory.h):
// the local DP exact at every length with its memory in the SSM state (a ring of m slots, d_conv 4)
// and the ablation; pointer_dp's smallest exact state growing with n; the conv-window baseline.
// Prints the tables and where the CSVs, plots and summary went.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/flags.h"
#include "core/output_path.h"
#include "theory/local_dp_theory.h"

namespace fl::cli {

void add_theory_local_dp_command(CLI::App& theory) {
  auto options = std::make_shared<theory::LocalDpTheoryOptions>();
  auto out = std::make_shared<std::string>(options->out_dir.string());
  auto* cmd = theory.add_subcommand(
      "local-dp", "hand-built Mamba for the DP tasks: local_dp exact at constant state through the SSM (Theorem 5); "
                  "pointer_dp and the prefix format need state growing with n (Theorem 4)");
  cmd->add_option("--out", *out, "output directory for summary.md, CSVs and plots (created)")->capture_default_str();
  cmd->add_option("--m", options->locality, "locality m of dp_i = (dp_{i-1} + dp_{i-m} + s_i) mod p (1..100)")
      ->capture_default_str();
  cmd->add_option("--modulus", options->modulus, "modulus p (2..100)")->capture_default_str();
  cmd->add_option("--max-t", options->max_tokens, "longest interleaved sequence T = 2n + 2 (tokens)")->capture_default_str();
  cmd->add_option("--max-n", options->max_prefix_n, "prefix sweeps over n = 1 .. this")->capture_default_str();
  cmd->add_option("--pointer-max-n", options->max_pointer_n, "pointer_dp sweeps over n = 1 .. this (2..48)")
      ->capture_default_str();
  cmd->add_option("--examples", options->examples, "distinct problems per length")->capture_default_str();
  add_seed_option(cmd, options->seed, "seed of the evaluation problems");
  auto quiet = std::make_shared<bool>(false);
  cmd->add_flag("--quiet", *quiet, "no progress bar");
  cmd->callback([options, out, quiet] {
    options->out_dir = *out;
    require_output_directory(options->out_dir, "--out");
    options->progress = !*quiet;
    const auto result = theory::run_local_dp_theory(*options);
    std::printf("%s\n", result.report.c_str());
    if (!result.plots_rendered) std::printf("gnuplot not found: plots written as CSV and gnuplot scripts only\n");
    std::printf("wrote:\n");
    for (const auto& file : result.files) std::printf("  %s\n", file.string().c_str());
  });
}

}  // namespace fl::cli
