// Every path argument of every command, given paths the file system refuses (a name too long, a
// symlink loop, a file where a directory belongs, a path through a file), and files that are not
// files (devices, FIFOs): one line "freelunch: error: …", exit code 2, promptly. std::filesystem
// errors once escaped as "internal error: filesystem error: …" (exit 1), and /dev/zero or
// /dev/urandom behind a file name was read until memory ran out.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "core/atomic_file.h"
#include "experiments/results_store.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/tiny_config.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::expect_one_line_error;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;

class PathArguments : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    write_file_atomic(*dir_ / "tiny.toml", test_support::tiny_mamba_toml(test_support::kTinyCopyTask));
    // The same model on a dataset (task.path given by each test): copy's task keys would be unknown.
    write_file_atomic(*dir_ / "dataset.toml", test_support::tiny_mamba_toml("name = \"dataset\"\n"));
    write_file_atomic(*dir_ / "sweep.toml", "[sweep]\nbase = \"tiny.toml\"\n[grid]\nseed = [1, 2]\n");
    write_file_atomic(*dir_ / "afile", "not a directory\n");
    fs::create_symlink("loop_b", *dir_ / "loop_a");
    fs::create_symlink("loop_a", *dir_ / "loop_b");
    const auto r = run_command(kBin + " --threads 1 train --quiet --config " + path("tiny.toml") + " --out " + run());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::create_directories(*dir_ / "sweep");
    ResultsStore(*dir_ / "sweep" / ResultsStore::kFileName, ResultsStore::Open::kCreate);
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string path(const std::string& name) { return shell_quote((*dir_ / name).string()); }
  static std::string run() { return path("run"); }
  // A path and a part of it the error message must quote.
  struct BadPath {
    std::string path, named;
  };
  static BadPath bad(const std::string& name, const std::string& named) { return {path(name), named}; }
  // Paths no command can use, whatever it wants there.
  static std::vector<BadPath> bad_paths() {
    return {bad(std::string(300, 'd'), std::string(20, 'd')), bad("loop_a", "loop_a"), bad("afile/x", "afile")};
  }

  // `command` with each bad path in place of {}: one line naming the path, exit 2.
  static void expect_each_refused(const std::string& command, const std::vector<BadPath>& paths) {
    for (const auto& p : paths) {
      std::string line = command;
      line.replace(line.find("{}"), 2, p.path);
      SCOPED_TRACE(line);
      expect_one_line_error(run_command("cd " + shell_quote(dir_->path().string()) + " && timeout 120 " + kBin +
                                        " --threads 1 " + line),
                            p.named);
    }
  }

  static TempDir* dir_;
};
TempDir* PathArguments::dir_ = nullptr;

TEST_F(PathArguments, InputPathsOfEveryCommand) {
  const auto paths = bad_paths();
  const std::vector<std::string> commands = {
      "train --quiet --config {}", "train --quiet --resume {}", "eval --checkpoint {}", "info --checkpoint {}",
      "generate --checkpoint {} --prompt a", "attention --checkpoint {} --sample",
      "attention --checkpoint " + run() + " --sample --compare {}", "compare {}", "cost --quiet --model {}",
      "sweep --quiet {}", "results {}", "reproduce --quiet --report-only --suite {}", "speed --quiet --source {}",
      "speed --quiet --python {}"};
  for (const auto& command : commands)
    expect_each_refused(command, paths);
  // A directory where a file belongs.
  for (const std::string command : {"train --quiet --config {}", "sweep --quiet {}", "compare {}"})
    expect_each_refused(command, {bad("run", "run")});
}

TEST_F(PathArguments, OutputPathsOfEveryCommand) {
  auto paths = bad_paths();
  paths.push_back(PathArguments::bad("afile", "afile"));  // a file where a directory belongs
  const std::string tiny = path("tiny.toml");
  const std::vector<std::string> commands = {
      "train --quiet --config " + tiny + " --out {}", "compare " + tiny + " --out {}",
      "attention --checkpoint " + run() + " --sample --out {}",
      "cost --quiet --quick --positions 16 --tokens 1 --validate 0 --out {}",
      "sweep --quiet " + path("sweep.toml") + " --dir {}", "reproduce --quiet --report-only --dir {}",
      "theory copy --quiet --max-n 4 --samples 1 --out {}",
      "theory local-dp --quiet --max-t 6 --max-n 2 --examples 1 --out {}", "speed --quiet --quick --work {}"};
  for (const auto& command : commands)
    expect_each_refused(command, paths);
  expect_each_refused("results " + path("sweep") + " --csv {}", {bad("run", "run"), bad("afile/x.csv", "afile")});
}

TEST_F(PathArguments, FilesThatAreNotFilesAreRefusedBeforeReading) {
  TempDir dir;
  fs::create_symlink("/dev/urandom", dir / "u.toml");
  fs::create_symlink("/dev/zero", dir / "z.json");
  ASSERT_EQ(::mkfifo((dir / "fifo.toml").c_str(), 0600), 0);
  const auto refused = [](const std::string& args, const std::string& phrase) {
    SCOPED_TRACE(args);
    expect_one_line_error(run_command("timeout 60 " + kBin + " --threads 1 " + args), phrase);
  };
  for (const char* config : {"u.toml", "z.json", "fifo.toml"})
    refused("train --quiet --config " + (dir / config).string() + " --out " + (dir / "never").string(),
            config + std::string(": not a regular file"));
  refused("train --quiet --config " + path("dataset.toml") + " --set task.path=/dev/zero --out " +
              (dir / "never").string(),
          "/dev/zero: not a regular file");
  // A sweep whose base config is a device.
  write_file_atomic(dir / "s.toml", "[sweep]\nbase = \"u.toml\"\n[grid]\nseed = [1]\n");
  refused("sweep --quiet " + (dir / "s.toml").string() + " --dir " + (dir / "sw").string(), "u.toml: not a regular file");
  EXPECT_FALSE(fs::exists(dir / "never"));
  // Checkpoint files replaced by /dev/zero, with the manifest and without (an older checkpoint).
  for (const char* file : {"model.safetensors", "config.json"})
    for (const bool manifest : {true, false}) {
      const fs::path copy = dir / (std::string(file) + (manifest ? "-manifest" : "-old"));
      fs::copy(dir_->path() / "run", copy);
      if (!manifest) fs::remove(copy / "checkpoint.json");
      fs::remove(copy / file);
      fs::create_symlink("/dev/zero", copy / file);
      refused("info --checkpoint " + copy.string(), file + std::string(": not a regular file"));
    }
}

}  // namespace
}  // namespace fl
