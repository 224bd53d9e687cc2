// `freelunch generate` through the program: the plain and --ids outputs print the same whole
// sequence (prompt, then continuation); --min-new and --ignore-eos; a model with learned
// positions stops at model.max_len, printing what it produced and a note. The checkpoints are
// built by hand so that every choice is exact, not an accident of training or rounding: the
// final LayerNorm's weight is 0 and its bias e₀, and column 0 of the tied embedding is 1 for
// the end token and 0 for every other, so the logits are exactly 1 for the end token and 0 for
// the rest at every position. Greedy decoding then always picks the end token ('.'), and, when
// the end token is excluded, the first of the tied rest, the padding token ('*').
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "support/fixtures.h"
#include "support/process.h"
#include "train/checkpoint.h"
#include "train/run_config.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::expect_one_line_error;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;
constexpr int64_t kEos = 3;  // copy's vocabulary: * $ | . a b c d

// Saves a copy-task model of `model_json` (with LayerNorm) whose logits always favour the end token.
std::string end_token_checkpoint(const TempDir& dir, const std::string& name, const std::string& model_json) {
  const RunConfig config = test_support::config_from_json(R"({"task": {"name": "copy", "vocab": 4}, "model": )" +
                                                          model_json + "}");
  torch::manual_seed(1);
  LanguageModel model(config.model);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->named_parameters()) {
      if (p.key() == "backbone.norm_f.weight") p.value().zero_();
      if (p.key() == "backbone.norm_f.bias") p.value().zero_()[0] = 1;
      if (p.key() == "backbone.embedding.weight") p.value().select(1, 0).zero_()[kEos] = 1;
    }
  }
  const fs::path out = dir / name;
  save_checkpoint(out, model, config);
  return out.string();
}

std::string generate(const std::string& checkpoint, const std::string& flags) {
  const auto r = run_command(kBin + " generate --checkpoint " + shell_quote(checkpoint) + " " + flags);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  return r.out;
}

TEST(Generate, NamesAndIdsShowTheWholeSequenceAndEosCanBeDelayedOrIgnored) {
  TempDir dir;
  const auto run = end_token_checkpoint(dir, "mamba", R"({"type": "mamba", "d_model": 8, "n_layer": 1, "norm": "layernorm"})");
  const std::string prompt = "--prompt " + shell_quote("$ a b |");
  // The end token at once, after the prompt, in both forms.
  EXPECT_EQ(generate(run, prompt), "$ a b | .\n");
  EXPECT_EQ(generate(run, prompt + " --ids"), "1,4,5,2,3\n");
  // --min-new: the end token only after 3 tokens (the next best, '*', before).
  EXPECT_EQ(generate(run, prompt + " --min-new 3"), "$ a b | * * * .\n");
  EXPECT_EQ(generate(run, prompt + " --min-new 3 --ids"), "1,4,5,2,0,0,0,3\n");
  EXPECT_EQ(generate(run, prompt + " --min-new 4 --max-new 4"), "$ a b | * * * *\n");
  // --ignore-eos: --max-new tokens, the end token included where chosen.
  EXPECT_EQ(generate(run, prompt + " --ignore-eos --max-new 4"), "$ a b | . . . .\n");
  EXPECT_EQ(generate(run, prompt + " --ignore-eos --min-new 2 --max-new 4 --ids"), "1,4,5,2,0,0,3,3\n");
  expect_one_line_error(run_command(kBin + " generate --checkpoint " + run + " " + prompt + " --min-new 9 --max-new 8"),
                        "--min-new 9 exceeds --max-new 8");
}

TEST(Generate, LearnedPositionsStopAtMaxLenPrintingWhatWasProduced) {
  TempDir dir;
  const auto run = end_token_checkpoint(dir, "learned",
                                        R"({"type": "transformer", "d_model": 8, "n_layer": 1, "n_head": 2,
                                            "pos": "learned", "max_len": 8, "norm": "layernorm"})");
  // Positions 0 … 7: a 4-token prompt leaves room for 5 tokens (the last one is never fed).
  const std::string prompt = "--prompt " + shell_quote("$ a b |");
  auto r = run_command(kBin + " generate --checkpoint " + run + " " + prompt + " --ignore-eos --max-new 20");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "$ a b | . . . . .\n");
  EXPECT_EQ(r.err,
            "freelunch: note: stopped after 5 of --max-new 20 tokens: the model's learned positions end at "
            "model.max_len = 8 (prompt: 4 tokens)\n");
  EXPECT_EQ(generate(run, prompt + " --ignore-eos --max-new 5"), "$ a b | . . . . .\n");  // fits: no note
  EXPECT_EQ(generate(run, "--prompt " + shell_quote("$ a b c d a b |") + " --min-new 1 --max-new 1 --ids"),
            "1,4,5,6,7,4,5,2,0\n");  // an 8-token prompt: room for one token
  expect_one_line_error(run_command(kBin + " generate --checkpoint " + run + " " + prompt + " --min-new 6"),
                        "--min-new 6: room for 5 tokens only: the model's learned positions end at model.max_len = 8");
  expect_one_line_error(
      run_command(kBin + " generate --checkpoint " + run + " --prompt " + shell_quote("$ a b c d a b c |")),
      "--prompt: too long: the model's learned positions end at model.max_len = 8 (prompt: 9 tokens)");
}

}  // namespace
}  // namespace fl
