// The command-line program end to end: a tiny run through train → eval → generate → info, and
// bad input of every kind giving one line "freelunch: error: …", exit code 2, nothing left behind.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/atomic_file.h"
#include "support/fixtures.h"
#include "support/process.h"

namespace fl {
namespace {

using test_support::expect_one_line_error;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;

// A tiny copy run; `model` is the body of its [model] table (a Mamba d16×1 by default).
std::string tiny_config(const TempDir& dir, const std::string& model = "type = \"mamba\"\nd_model = 16\nn_layer = 1\n") {
  const auto path = dir / "tiny.toml";
  write_file_atomic(path,
                    "seed = 2\n[model]\n" + model +
                    "[task]\nvocab = 4\nmin_len = 1\nmax_len = 3\n"
                    "[train]\nsteps = 4\nbatch_size = 4\nwarmup = 1\n[eval]\nsamples = 2\n");
  return path.string();
}

class CliFamilies : public testing::TestWithParam<std::string> {};

TEST_P(CliFamilies, TrainEvalGenerateInfo) {
  TempDir dir;
  const auto run = (dir / "run").string();
  auto r = run_command(kBin + " --threads 1 train --quiet --config " + tiny_config(dir, GetParam()) + " --out " + run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("whole (gen)"), std::string::npos);
  for (const char* f : {"config.json", "model.safetensors", "metrics.jsonl", "summary.json"})
    EXPECT_TRUE(std::filesystem::exists(dir / "run" / f)) << f;

  r = run_command(kBin + " eval --checkpoint " + run + " --sizes 2,3 --samples 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("all"), std::string::npos);

  r = run_command(kBin + " generate --checkpoint " + run + " --prompt " + shell_quote("$ a b |") +
                  " --max-new 5 --ids");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("1,4,5,2,", 0), 0u) << r.out;  // the prompt's ids come first
  const auto commas = std::count(r.out.begin(), r.out.end(), ',');
  EXPECT_GE(commas, 4);
  EXPECT_LE(commas, 8);

  r = run_command(kBin + " info --checkpoint " + run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("parameters"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Families, CliFamilies,
    testing::Values("type = \"mamba\"\nd_model = 16\nn_layer = 1\n",
                    "type = \"transformer\"\nd_model = 16\nn_layer = 1\nn_head = 2\n",
                    "type = \"hybrid\"\nd_model = 16\nn_layer = 2\nn_head = 2\nattn_layers = [1]\n",
                    "type = \"lstm\"\nd_model = 16\nn_layer = 1\n",
                    "type = \"mamba2\"\nd_model = 16\nn_layer = 1\nheaddim = 8\n",
                    "type = \"linear\"\nd_model = 16\nn_layer = 1\nn_head = 2\n"),
    [](const testing::TestParamInfo<std::string>& info) {
      return info.param.substr(8, info.param.find('"', 8) - 8);  // the family
    });

TEST(Cli, BadInputIsOneLineExitTwo) {
  TempDir dir;
  const auto config = tiny_config(dir);
  const auto out = (dir / "never").string();
  expect_one_line_error(run_command(kBin + " train --config " + config + " --bogus"), "--bogus");
  expect_one_line_error(run_command(kBin + " frobnicate"), "frobnicate");
  expect_one_line_error(run_command(kBin + " train --config " + config + " --set model.d_modl=3 --out " + out),
                        "unknown config key 'model.d_modl'");
  expect_one_line_error(run_command(kBin + " train --config " + config + " --set task.min_len=9 --out " + out),
                        "task.min_len = 9 is larger than task.max_len = 3");
  expect_one_line_error(run_command(kBin + " train --config " + (dir / "nope.toml").string()), "nope.toml");
  EXPECT_FALSE(std::filesystem::exists(out));  // nothing left behind

  expect_one_line_error(run_command(kBin + " eval --checkpoint " + (dir / "absent").string()),
                        "not a checkpoint directory");
  expect_one_line_error(run_command(kBin + " --threads -1 info --checkpoint x"), "--threads");
  expect_one_line_error(run_command(kBin + " --kernels fast info --checkpoint x"), "--kernels");
  expect_one_line_error(run_command(kBin + " speed-worker decode --checkpoint x --positions 5,3"), "--positions");
}

TEST(Cli, DamagedCheckpointAndBadPrompt) {
  TempDir dir;
  const auto run = (dir / "run").string();
  ASSERT_EQ(run_command(kBin + " --threads 1 train --quiet --config " + tiny_config(dir) + " --out " + run).exit_code, 0);
  expect_one_line_error(run_command(kBin + " generate --checkpoint " + run + " --prompt " + shell_quote("$ a q |")),
                        "unknown token 'q'");
  const auto weights = dir / "run" / "model.safetensors";
  const auto bytes = read_file(weights);
  write_file_atomic(weights, bytes.substr(0, bytes.size() / 2));
  expect_one_line_error(run_command(kBin + " eval --checkpoint " + run), "model.safetensors");
  // Training into a non-empty directory is refused.
  expect_one_line_error(run_command(kBin + " train --config " + tiny_config(dir) + " --out " + run),
                        "not empty");
}

}  // namespace
}  // namespace fl

namespace fl {
namespace {

TEST(Docs, ConfigKeysDocumentMatchesTheCode) {
  const auto r = test_support::run_command(kBin + " keys --markdown");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(std::string(FREELUNCH_SOURCE_DIR) + "/docs/CONFIG.md"), r.out)
      << "regenerate with: build/freelunch keys --markdown > docs/CONFIG.md";
}

}  // namespace
}  // namespace fl
