// freelunch generate --checkpoint DIR --prompt "$ a b c |" [--max-new N] [--ids]
#include <cstdio>

#include "cli/commands.h"
#include "infer/generate.h"
#include "core/error.h"
#include "train/checkpoint.h"

namespace fl::cli {

void add_generate_command(CLI::App& root) {
  struct Args {
    std::string checkpoint, prompt;
    int64_t max_new = 64;
    bool ids = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("generate", "greedy generation through the step path");
  cmd->add_option("--checkpoint", args->checkpoint, "run directory")->required();
  cmd->add_option("--prompt", args->prompt, "whitespace-separated token names, e.g. \"$ a b c |\"")->required();
  cmd->add_option("--max-new", args->max_new, "most tokens to generate (stops at EOS)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_flag("--ids", args->ids, "print the whole sequence (prompt included) as comma-separated token ids");
  cmd->callback([args] {
    auto ck = load_checkpoint(args->checkpoint);
    const auto& vocab = ck.task->vocab();
    const auto prompt = vocab.parse(args->prompt);
    require(!prompt.empty(), "--prompt: empty prompt");
    const auto out = generate_greedy(ck.model, prompt, args->max_new, ck.task->eos_id());
    if (args->ids) {
      std::string line;
      for (auto id : prompt) line += (line.empty() ? "" : ",") + std::to_string(id);
      for (auto id : out) line += "," + std::to_string(id);
      std::printf("%s\n", line.c_str());
    } else {
      std::printf("%s\n", vocab.render(out).c_str());
    }
  });
}

}  // namespace fl::cli
