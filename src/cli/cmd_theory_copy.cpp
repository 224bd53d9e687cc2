// freelunch theory copy: the paper's COPY theorems checked on hand-set layers of this project's
// own Mamba and Transformer (theory/copy_construction.h; docs/THEORY.md "COPY by construction").
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/flags.h"
#include "core/output_path.h"
#include "theory/copy_construction.h"

namespace fl::cli {

void add_theory_copy_command(CLI::App& parent) {  // parent = the `theory` command
  auto o = std::make_shared<theory::CopyTheoryOptions>();
  o->out = "results/theory/copy";
  auto out = std::make_shared<std::string>(o->out.string());
  auto quiet = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand(
      "copy", "COPY by construction: hand-set Mamba (Theorems 3, 1) and attention (Theorem 2) layers, checked");
  cmd->add_option("--out", *out, "directory of the table, plots and summary")->capture_default_str();
  cmd->add_option("--max-n", o->max_n, "longest sequence N (runs N = 4, 8, 16, … and N; at most 256)")
      ->capture_default_str();
  cmd->add_option("--samples", o->samples, "random sequences per copy distance")->capture_default_str();
  add_seed_option(cmd, o->seed, "seed of the random sequences");
  cmd->add_option("--state", o->state, "d_state S of the constant-size Mamba (Theorem 1)")->capture_default_str();
  cmd->add_option("--values", o->values, "value symbols V (one-hot value vectors)")->capture_default_str();
  cmd->add_option("--epsilon", o->epsilon, "error allowed (Theorems 1 and 2)")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "float64 or float32 for Theorems 2 and 3 (Theorem 1 runs in float64)")
      ->capture_default_str();
  cmd->add_option("--frontier-state", o->frontier.state, "Theorem 1 measured: state size S (1..32)")
      ->capture_default_str();
  cmd->add_option("--frontier-decay", o->frontier.decay_cap, "Theorem 1 measured: the decay cap a in (0, 1]")
      ->capture_default_str();
  cmd->add_option("--frontier-max-score", o->frontier.max_score,
                  "Theorem 1 measured: score bounds B = 1, 2, 4, ... up to this")
      ->capture_default_str();
  cmd->add_option("--frontier-restarts", o->frontier.restarts, "Theorem 1 measured: L-BFGS restarts per (B, L)")
      ->capture_default_str();
  cmd->add_option("--frontier-epsilon", o->frontier.epsilon, "Theorem 1 measured: the error allowed")
      ->capture_default_str();
  auto no_frontier = std::make_shared<bool>(false);
  cmd->add_flag("--no-frontier", *no_frontier, "skip Theorem 1 measured (the gradient-descent frontier)");
  cmd->add_flag("--quiet", *quiet, "no progress bar");
  cmd->callback([o, out, quiet, no_frontier] {
    o->out = *out;
    require_output_directory(o->out, "--out");
    o->progress = !*quiet;
    o->measure_frontier = !*no_frontier;
    const auto r = theory::run_copy_theory(*o);
    std::printf("%s\n%s\nPer copy distance at N = %lld (every distance in the CSV files):\n%s\n", r.verdict.c_str(),
                r.length_table.c_str(), static_cast<long long>(o->max_n), r.distance_table.c_str());
    if (!r.frontier_table.empty()) std::printf("Theorem 1 measured, per score bound B:\n%s\n", r.frontier_table.c_str());
    if (!r.files.empty())
      std::printf("Wrote %zu files to %s: summary.md, copy_theory.csv (per N), copy_distances.csv (per L), plots "
                  "copy_{error_vs_distance,needed_score,logit_scale,state_bytes,score_frontier}.{png,svg} with their "
                  "CSV.\n",
                  r.files.size(), o->out.string().c_str());
  });
}

}  // namespace fl::cli
