// freelunch cost: inference state, FLOPs and time per generated token against the position t, and
// the total cost of generating T tokens, for Mamba, Transformer and sliding-window Transformer
// (docs/COST.md). Prints the tables; writes them with the plots into --out.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/format.h"
#include "core/error.h"
#include "core/output_path.h"
#include "cost/run_cost.h"

namespace fl::cli {

namespace {

struct CostArgs {
  std::vector<std::string> models, overrides;
  std::string positions, out = "results/cost";
  int64_t tokens = 0, validate = 0;
  uint64_t seed = 1;
  bool quick = false, quiet = false;
};

}  // namespace

void add_cost_command(CLI::App& root) {
  auto a = std::make_shared<CostArgs>();
  auto* cmd = root.add_subcommand("cost", "state bytes, FLOPs and time per generated token vs position, and total cost "
                                          "of generating T tokens (Mamba, Transformer, windowed)");
  cmd->add_option("--model", a->models,
                  "config files (.toml/.json) or checkpoint directories (default: Mamba, Transformer and windowed "
                  "Transformer at matched sizes, random weights)");
  cmd->add_option("--set", a->overrides, "key=value applied to every --model config file");
  cmd->add_option("--positions", a->positions,
                  "positions t, increasing, comma-separated, at most 16777216 and within half the memory (default "
                  "64,91,128,…,65536, two per octave; quick 16,64,256,1024)");
  auto* tokens =
      cmd->add_option("--tokens", a->tokens, "steps timed at each position, 1 … 100000 (default 32; quick 8)");
  auto* validate = cmd->add_option("--validate", a->validate,
                                   "length G of a genuine generation checked against the fast-forwarded figures; 0 = "
                                   "none (default: the largest position ≤ 16384; quick ≤ 256)");
  cmd->add_option("--out", a->out, "directory for cost.md, cost.csv, cost.json and the plots (\"\": none)")->capture_default_str();
  add_seed_option(cmd, a->seed, "seed of the random weights and tokens");
  cmd->add_flag("--quick", a->quick, "tiny models and positions up to 1024: checks the machinery in seconds");
  cmd->add_flag("--quiet", a->quiet, "no progress bar");
  cmd->callback([a, tokens, validate] {
    require(a->overrides.empty() || !a->models.empty(), "--set applies to --model config files; none given");
    if (!a->out.empty()) require_output_directory(a->out, "--out");
    cost::CostOptions o;
    o.quick = a->quick;
    o.progress = !a->quiet;
    o.seed = a->seed;
    o.out_dir = a->out;
    for (const auto& path : a->models) o.models.push_back(cost::model_spec_from_path(path, a->overrides));
    if (!a->positions.empty()) o.positions = parse_positive_list(a->positions, "--positions", true);
    if (tokens->count()) {
      require(a->tokens >= 1, "--tokens must be ≥ 1, got " + std::to_string(a->tokens));
      o.tokens = a->tokens;
    }
    if (validate->count()) {
      require(a->validate >= 0, "--validate must be ≥ 0, got " + std::to_string(a->validate));
      o.validate = a->validate;
    }
    const auto report = cost::run_cost(o);
    std::printf("%s", cost::render_text(report).c_str());
    if (!report.files.empty()) std::printf("\nWrote %zu files to %s\n", report.files.size(), a->out.c_str());
  });
}

}  // namespace fl::cli
