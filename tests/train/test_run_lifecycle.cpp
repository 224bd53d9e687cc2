// A run directory's life through the real binary (issue 13): a config that cannot train is refused
// before anything is created; --stop-at before the checkpoint's step is an error; a run killed
// before its first checkpoint leaves a directory `train` reuses; no temporary file outlives a
// crash for long; the progress line of a stopped run shows the step it stopped at.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "train/resume_support.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::deterministic_metrics;
using test_support::expect_one_line_error;
using test_support::files_in;
using test_support::latest_checkpoint_step;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;

// The shell reports 137 for a child killed by SIGKILL; -1 means the shell exec'd freelunch itself.
bool died_of_sigkill(const test_support::ProcessResult& r) { return r.exit_code == 128 + SIGKILL || r.exit_code == -1; }

class RunLifecycle : public testing::Test {
 protected:
  RunLifecycle() {
    write_file_atomic(config_, R"({"seed": 5, "model": {"type": "mamba", "d_model": 8, "n_layer": 1},
        "task": {"name": "copy", "vocab": 4, "max_len": 4},
        "train": {"steps": 8, "batch_size": 4, "warmup": 1, "log_every": 1, "checkpoint_every": 3},
        "eval": {"samples": 2, "sizes": [2, 4], "generate": false}})");
  }
  // `freelunch --threads 1 train …` with the test's config into run_ (sets and flags in `tail`).
  test_support::ProcessResult train(const std::string& tail, const std::string& environment = "") const {
    return run_command(environment + " " + shell_quote(kBin) + " --threads 1 train --config " +
                       shell_quote(config_.string()) + " --out " + shell_quote(run_.string()) + " " + tail);
  }
  test_support::ProcessResult resume(const std::string& tail = "") const {
    return run_command(shell_quote(kBin) + " --threads 1 train --quiet --resume " + shell_quote(run_.string()) + " " +
                       tail);
  }

  TempDir dir_;
  fs::path config_ = dir_ / "tiny.json", run_ = dir_ / "run";
};

// Defect 7: each of these failed only once training had started, leaving a checkpoint and an empty
// metrics.jsonl behind, and the retry said "not empty".
TEST_F(RunLifecycle, AConfigThatCannotTrainCreatesNothing) {
  // Copy strings of up to 4 letters: examples of up to 11 tokens, "$ a b c d | a b c d .".
  expect_one_line_error(train("--quiet --set train.pack_len=1"),
                        "train.pack_len = 1 is shorter than the longest training example (11 tokens)");
  EXPECT_FALSE(fs::exists(run_));
  const std::string learned = "--quiet --set model.type=transformer --set model.pos=learned --set model.n_head=2 ";
  expect_one_line_error(train(learned + "--set model.max_len=6"), "model.max_len = 6");
  EXPECT_FALSE(fs::exists(run_));
  expect_one_line_error(train(learned + "--set model.max_len=12 --set train.pack_len=16"), "model.max_len = 12");
  EXPECT_FALSE(fs::exists(run_));
  // Training fits (10 positions), the evaluation at length 9 does not (21 tokens).
  expect_one_line_error(train(learned + "--set model.max_len=12 --set eval.sizes=4,9"), "eval.sizes");
  EXPECT_FALSE(fs::exists(run_));
  fs::create_directories(run_);  // an empty directory given as --out stays empty
  expect_one_line_error(train("--quiet --set train.pack_len=1"), "train.pack_len");
  EXPECT_TRUE(fs::is_empty(run_));
  const auto r = train(learned + "--set model.max_len=10");  // exactly enough: 11 tokens, 10 positions
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(RunLifecycle, StopAtNotAfterTheCheckpointIsAnError) {
  ASSERT_EQ(train("--quiet --stop-at 5").exit_code, 0);
  const auto before = files_in(run_);
  expect_one_line_error(resume("--stop-at 2"), "--stop-at 2 is not after step 5");
  expect_one_line_error(resume("--stop-at 5"), "--stop-at 5 is not after step 5");
  EXPECT_EQ(files_in(run_), before);
  const auto r = resume("--stop-at 6");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(latest_checkpoint_step(run_), 6);
}

// SIGKILL after the checkpoint of step 0 is written but before `latest` names it (a fault injected
// at that point): the directory holds an empty metrics.jsonl and an unnamed checkpoint. It cannot
// be resumed (there is no config to resume with) and was refused as "not empty"; now `train`
// starts it again from scratch.
TEST_F(RunLifecycle, AKillBeforeTheFirstCheckpointLeavesADirectoryTrainReuses) {
  const auto killed = train("--quiet", "FREELUNCH_FAULT=kill-before-latest@0");
  ASSERT_TRUE(died_of_sigkill(killed)) << killed.exit_code << ": " << killed.err;
  ASSERT_TRUE(fs::exists(run_ / "checkpoints"));
  EXPECT_EQ(latest_checkpoint_step(run_), -1);
  expect_one_line_error(resume(), "stopped before its first checkpoint");
  const auto r = train("--quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path clean = dir_ / "clean";
  ASSERT_EQ(run_command(shell_quote(kBin) + " --threads 1 train --quiet --config " + shell_quote(config_.string()) +
                        " --out " + shell_quote(clean.string()))
                .exit_code,
            0);
  EXPECT_EQ(deterministic_metrics(run_ / "metrics.jsonl"), deterministic_metrics(clean / "metrics.jsonl"));
  EXPECT_EQ(read_file(run_ / "model.safetensors"), read_file(clean / "model.safetensors"));
}

// A later kill (after `latest`) leaves a resumable run, which `train` must not clear.
TEST_F(RunLifecycle, AResumableRunIsNotReused) {
  const auto killed = train("--quiet", "FREELUNCH_FAULT=kill-before-latest@3");
  ASSERT_TRUE(died_of_sigkill(killed)) << killed.exit_code << ": " << killed.err;
  EXPECT_EQ(latest_checkpoint_step(run_), 0);
  expect_one_line_error(train("--quiet"), "not empty");
  ASSERT_EQ(resume().exit_code, 0);
}

// A temporary file of a write that a crash cut short (".summary.json.tmp.<pid>.<n>" of a process
// that no longer runs) is removed by the next write of that file.
TEST_F(RunLifecycle, TemporaryFilesOfACrashedWriteAreRemoved) {
  ASSERT_EQ(train("--quiet --stop-at 4").exit_code, 0);
  const pid_t gone = fork();
  if (gone == 0) _exit(0);
  ASSERT_GT(gone, 0);
  waitpid(gone, nullptr, 0);  // a pid no process has now
  const std::string stale = ".summary.json.tmp." + std::to_string(gone) + ".0";
  write_file_atomic(run_ / stale, "{\"half\": ");
  write_file_atomic(run_ / ".other.json.tmp.1.0", "not ours");  // another file's temporary: left alone
  ASSERT_EQ(resume().exit_code, 0);
  EXPECT_TRUE(fs::exists(run_ / "summary.json"));
  EXPECT_FALSE(fs::exists(run_ / stale));
  EXPECT_TRUE(fs::exists(run_ / ".other.json.tmp.1.0"));
}

// The progress line of a run stopped early shows the step it stopped at ("4/8 stopped"), not the
// planned total ("8/8").
TEST_F(RunLifecycle, ProgressOfAStoppedRunShowsItsStep) {
  const auto r = train("--stop-at 4");  // stderr is not a terminal: plain progress lines
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(" 4/8 stopped"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("8/8"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fl
