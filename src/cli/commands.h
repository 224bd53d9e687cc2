// The subcommands of build/freelunch, one file each. Each adds itself to the root app and
// runs from its callback; user errors are thrown as fl::Error and printed by main.
#pragma once
#include <CLI/CLI.hpp>

namespace fl::cli {

void add_train_command(CLI::App& root);
void add_eval_command(CLI::App& root);
void add_generate_command(CLI::App& root);
void add_info_command(CLI::App& root);
void add_export_command(CLI::App& root);
void add_compare_command(CLI::App& root);
void add_keys_command(CLI::App& root);
void add_tasks_command(CLI::App& root);
void add_sample_command(CLI::App& root);
void add_speed_command(CLI::App& root);
void add_speed_worker_command(CLI::App& root);
void add_theory_command(CLI::App& root);      // `theory` with the subcommands below
void add_theory_copy_command(CLI::App& theory);
void add_theory_local_dp_command(CLI::App& theory);
void add_theory_scores_command(CLI::App& theory);
void add_attention_command(CLI::App& root);
void add_cost_command(CLI::App& root);
void add_sweep_command(CLI::App& root);
void add_results_command(CLI::App& root);
void add_reproduce_command(CLI::App& root);

}  // namespace fl::cli
