// freelunch theory scores --checkpoint DIR [--checkpoint DIR …] [--sizes 8,16] [--samples N] [--seed S]
//                         [--epsilon E] [--out DIR]
// Scores in trained copy models (theory/trained_scores.h): for each checkpoint trained on copy or
// lookup, Mamba's score at the source against the exponential curve of Theorem 1, or a
// Transformer's logit gap at the source against the gap Theorem 2 needs; per layer and copy
// distance. Files in --out (default results/theory/scores): <type>_<checkpoint name>.csv and its
// plot <…>_plot.{csv,gp,png,svg}.
#include <cctype>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "core/error.h"
#include "core/output_path.h"
#include "theory/trained_scores.h"
#include "train/checkpoint.h"

namespace fl::cli {

namespace {

struct ScoresArgs {
  std::vector<std::string> checkpoints;
  std::string sizes, out = "results/theory/scores";
  theory::CopyScoreOptions options;
};

// "mamba_m32" for runs/m32: the file stem of one checkpoint's results.
std::string stem_of(const std::string& type, const std::filesystem::path& checkpoint) {
  std::string name = std::filesystem::path(checkpoint).lexically_normal().filename().string();
  if (name.empty() || name == "." || name == "..") name = "checkpoint";
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  return type + "_" + name;
}

}  // namespace

void add_theory_scores_command(CLI::App& parent) {
  auto a = std::make_shared<ScoresArgs>();
  auto* cmd = parent.add_subcommand(
      "scores", "trained copy/lookup checkpoints: Mamba's source score vs Theorem 1's exponential curve, a "
                "Transformer's logit gap vs Theorem 2's log");
  cmd->add_option("--checkpoint", a->checkpoints, "run directory trained on copy or lookup (repeatable)")->required();
  cmd->add_option("--sizes", a->sizes, "task sizes, e.g. 8,16,32 (copy: lengths; lookup: distances; default: the "
                                       "task's evaluation sizes)");
  cmd->add_option("--samples", a->options.samples, "examples per size")->capture_default_str();
  add_seed_option(cmd, a->options.seed, "seed of the examples (evaluation stream)");
  cmd->add_option("--epsilon", a->options.epsilon, "Theorem 2's error: the needed gap is log(i(1-eps)/eps)")
      ->capture_default_str();
  cmd->add_option("--out", a->out, "directory of the CSV files and plots")->capture_default_str();
  cmd->callback([a] {
    require(a->options.samples >= 1 && a->options.samples <= 10000, "--samples must be in 1..10000");
    require(a->options.epsilon > 0 && a->options.epsilon < 0.5, "--epsilon must be in (0, 0.5)");
    if (!a->sizes.empty()) a->options.sizes = parse_positive_list(a->sizes, "--sizes");
    require_output_directory(a->out, "--out");
    for (const auto& dir : a->checkpoints) {
      auto ck = load_checkpoint(dir);
      const auto scores = theory::measure_copy_scores(ck.model, *ck.task, a->options);
      const std::string stem = stem_of(to_string(ck.config.model.family), dir);
      const auto files = theory::write_copy_scores(
          scores, a->out, stem, (scores.mamba.empty() ? "logit gap at the source: " : "score at the source: ") + dir);
      std::printf("%s (%s on %s)\n%s", dir.c_str(), to_string(ck.config.model.family), ck.task->name().c_str(),
                  theory::copy_scores_table(scores).c_str());
      std::printf("wrote %zu files to %s (%s.csv, %s_plot.*)\n\n", files.size(), a->out.c_str(), stem.c_str(), stem.c_str());
    }
  });
}

}  // namespace fl::cli
