// freelunch eval --checkpoint DIR [--sizes 5,10,20] [--samples N] [--no-generate] [--json]
#include <cstdio>

#include "cli/commands.h"
#include "cli/format.h"
#include "train/checkpoint.h"

namespace fl::cli {

void add_eval_command(CLI::App& root) {
  struct Args {
    std::string checkpoint, sizes;
    int64_t samples = 0;
    bool no_generate = false, json = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("eval", "accuracy of a checkpoint per task size (teacher-forced and generated)");
  cmd->add_option("--checkpoint", args->checkpoint, "run directory with config.json + model.safetensors")->required();
  cmd->add_option("--sizes,--lengths", args->sizes, "task sizes, e.g. 5,10,20 (default: the run's eval.sizes)");
  cmd->add_option("--samples", args->samples, "examples per size, 1 … 10000000 (default: the run's eval.samples)")
      ->check(CLI::Range(int64_t{1}, int64_t{10000000}));
  cmd->add_flag("--no-generate", args->no_generate, "teacher-forced only");
  cmd->add_flag("--json", args->json, "print the report as JSON");
  cmd->callback([args] {
    auto ck = load_checkpoint(args->checkpoint);
    const auto& ec = ck.config.eval;
    const auto sizes = !args->sizes.empty() ? parse_positive_list(args->sizes, "--sizes")
                       : ec.sizes.empty()   ? ck.task->default_eval_sizes()
                                            : ec.sizes;
    // The run's own evaluation stream: the same held-out examples it was evaluated on.
    const EvalSet set(*ck.task, sizes, args->samples > 0 ? args->samples : ec.samples, ck.config.seed);
    const auto report = evaluate(ck.model, *ck.task, set, ec.generate && !args->no_generate, ec.batch_size);
    if (args->json) std::printf("%s\n", report.to_json().dump(2).c_str());
    else std::printf("%s", accuracy_table(report, ck.task->size_name()).c_str());
  });
}

}  // namespace fl::cli
