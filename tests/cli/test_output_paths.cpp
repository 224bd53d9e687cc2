// Output paths are checked before the work (issue 13, defect 13): `cost --out afile` measured
// everything and only then said "cannot create the directory"; `theory copy --out afile` ran every
// construction, then failed with an internal error. Every command that writes into a directory or
// file given on the command line refuses an unusable one at once: one line naming the flag, exit
// 2, nothing on stdout and no progress line (the work never started).
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "support/fixtures.h"
#include "support/process.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::expect_one_line_error;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;

TEST(OutputPaths, AreCheckedBeforeTheWork) {
  TempDir dir;
  const std::string file = (dir / "afile").string(), below = file + "/sub";
  write_file_atomic(file, "not a directory\n");
  const std::string config = (dir / "tiny.json").string();
  write_file_atomic(config, R"({"model": {"type": "mamba", "d_model": 8, "n_layer": 1},
      "task": {"vocab": 4, "max_len": 3}, "train": {"steps": 3, "batch_size": 2}, "eval": {"samples": 2}})");
  const std::string sweep = (dir / "s.toml").string();
  write_file_atomic(sweep, "[base]\nmodel.type = \"mamba\"\nmodel.d_model = 8\ntrain.steps = 2\n[grid]\nseed = [1, 2]\n");
  const std::string run = (dir / "run").string();
  ASSERT_EQ(run_command(kBin + " --threads 1 train --quiet --config " + config + " --out " + run).exit_code, 0);

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"cost --quick --out " + file, "--out " + file},
      {"cost --quick --out " + below, "--out " + below},
      {"theory copy --max-n 8 --out " + file, "--out " + file},
      {"theory local-dp --max-t 10 --max-n 4 --out " + below, "--out " + below},
      {"attention --checkpoint " + run + " --sample --out " + file, "--out " + file},
      {"compare " + config + " --out " + file, "--out " + file},
      {"train --config " + config + " --out " + below, "--out " + below},
      {"speed --quick --out " + below + "/speed.md", "--out " + below + "/speed.md"},
      {"speed --quick --json " + file + "/speed.json", "--json " + file + "/speed.json"},
      {"speed --quick --out " + dir.path().string(), "--out " + dir.path().string()},  // a directory, not a file
      {"sweep " + sweep + " --dir " + file, "--dir " + file},
      {"reproduce --dir " + below, "--dir " + below},
  };
  for (const auto& [args, phrase] : cases) {
    const auto r = run_command(kBin + " --threads 1 " + args);
    expect_one_line_error(r, phrase);
    EXPECT_EQ(r.out, "") << args;
  }
  EXPECT_EQ(read_file(file), "not a directory\n");
}

}  // namespace
}  // namespace fl
