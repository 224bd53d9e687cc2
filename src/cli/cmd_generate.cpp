// freelunch generate --checkpoint DIR --prompt "$ a b c |" [--max-new N] [--min-new N] [--ignore-eos] [--ids]
// Prints the whole sequence, prompt then continuation: token names, or with --ids comma-separated
// ids. A model with learned positions stops at its last one (model.max_len): what it produced is
// printed, with a note on stderr.
#include <cstdio>

#include "cli/commands.h"
#include "core/error.h"
#include "infer/generate.h"
#include "train/checkpoint.h"

namespace fl::cli {

void add_generate_command(CLI::App& root) {
  struct Args {
    std::string checkpoint, prompt;
    FreeGeneration generation;
    bool ids = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("generate", "greedy generation through the step path");
  cmd->add_option("--checkpoint", args->checkpoint, "run directory")->required();
  cmd->add_option("--prompt", args->prompt, "whitespace-separated token names, e.g. \"$ a b c |\"")->required();
  cmd->add_option("--max-new", args->generation.max_new, "most tokens to generate (default 64; stops at EOS)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--min-new", args->generation.min_new,
                  "fewest tokens to generate: EOS is not chosen before (the next best token is)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  cmd->add_flag("--ignore-eos", args->generation.ignore_eos, "do not stop at EOS: generate --max-new tokens");
  cmd->add_flag("--ids", args->ids, "print token ids (comma-separated) instead of names");
  cmd->callback([args] {
    const auto& g = args->generation;
    require(g.min_new <= g.max_new, "--min-new " + std::to_string(g.min_new) + " exceeds --max-new " +
                                        std::to_string(g.max_new));
    auto ck = load_checkpoint(args->checkpoint);
    const auto& vocab = ck.task->vocab();
    const auto prompt = vocab.parse(args->prompt);
    require(!prompt.empty(), "--prompt: empty prompt");
    const auto& model = ck.model->config();
    const int64_t P = static_cast<int64_t>(prompt.size());
    const int64_t room = generation_room(model, P);
    const std::string positions = "the model's learned positions end at model.max_len = " +
                                  std::to_string(model.max_len) + " (prompt: " + std::to_string(P) + " tokens)";
    require(room > 0, "--prompt: too long: " + positions);
    require(g.min_new <= room, "--min-new " + std::to_string(g.min_new) + ": room for " + std::to_string(room) +
                                   " tokens only: " + positions);
    const auto out = generate_greedy(ck.model, prompt, g, ck.task->eos_id());
    std::vector<int32_t> sequence = prompt;
    sequence.insert(sequence.end(), out.tokens.begin(), out.tokens.end());
    if (args->ids) {
      std::string line;
      for (auto id : sequence) line += (line.empty() ? "" : ",") + std::to_string(id);
      std::printf("%s\n", line.c_str());
    } else {
      std::printf("%s\n", vocab.render(sequence).c_str());
    }
    if (out.reached_max_len)
      std::fprintf(stderr, "freelunch: note: stopped after %zu of --max-new %lld tokens: %s\n", out.tokens.size(),
                   static_cast<long long>(g.max_new), positions.c_str());
  });
}

}  // namespace fl::cli
