// `freelunch compare` and the run directories it finds under --out (issue 13, defects 1 and 11):
// a finished run of the same resolved config is reused, an interrupted one is resumed from its
// checkpoint, a different run is refused with every file left as it was; a signal stops it with a
// checkpoint (the process dies of the signal, like `train`) and a rerun resumes.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include "core/atomic_file.h"
#include "support/child_process.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "train/resume_support.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::ChildProcess;
using test_support::deterministic_metrics;
using test_support::expect_one_line_error;
using test_support::files_in;
using test_support::freelunch_binary;
using test_support::latest_checkpoint_step;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

class Compare : public testing::Test {
 protected:
  Compare() {
    write_file_atomic(config_, R"({"seed": 4, "model": {"type": "mamba", "d_model": 8, "n_layer": 1, "d_state": 4},
        "task": {"name": "copy", "vocab": 4, "max_len": 4},
        "train": {"steps": 8, "batch_size": 4, "warmup": 1, "log_every": 1, "checkpoint_every": 3},
        "eval": {"samples": 2, "sizes": [2, 4], "generate": false}})");
  }

  // `freelunch --threads 1 <command> … <tail>` through the shell.
  test_support::ProcessResult freelunch(const std::string& command, const std::string& tail = "") const {
    return run_command(shell_quote(freelunch_binary()) + " --threads 1 " + command + " " + tail);
  }
  test_support::ProcessResult train(const std::string& tail) const {
    return freelunch("train --quiet --config " + shell_quote(config_.string()) + " --out " + shell_quote(run_.string()),
                     tail);
  }
  test_support::ProcessResult compare(const std::string& tail = "") const {
    return freelunch("compare " + shell_quote(config_.string()) + " --out " + shell_quote(out_.string()), tail);
  }

  TempDir dir_;
  fs::path config_ = dir_ / "tiny.json", out_ = dir_ / "runs", run_ = out_ / "tiny";
};

TEST_F(Compare, ReusesAFinishedRunOfTheSameConfig) {
  ASSERT_EQ(train("").exit_code, 0);
  const auto before = files_in(run_);
  const auto r = compare();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("reusing the finished run in " + run_.string()), std::string::npos) << r.err;
  EXPECT_EQ(files_in(run_), before);
}

// Defect 1: a finished run of another config (here 8 steps instead of 5) was deleted and retrained.
TEST_F(Compare, RefusesADirectoryHoldingAFinishedRunOfAnotherConfig) {
  ASSERT_EQ(train("").exit_code, 0);
  const auto before = files_in(run_);
  expect_one_line_error(compare("--set train.steps=5"), run_.string() + ": holds a finished run of another config");
  EXPECT_EQ(files_in(run_), before);
}

// Defect 1: an interrupted run of another config was wiped.
TEST_F(Compare, RefusesADirectoryHoldingAnInterruptedRunOfAnotherConfig) {
  ASSERT_EQ(train("--stop-at 4").exit_code, 0);
  const auto before = files_in(run_);
  expect_one_line_error(compare("--set train.lr=0.002"),
                        run_.string() + ": holds an interrupted run of another config");
  EXPECT_EQ(files_in(run_), before);
}

TEST_F(Compare, RefusesADirectoryThatIsNotARun) {
  fs::create_directories(run_);
  write_file_atomic(run_ / "notes.txt", "mine\n");
  expect_one_line_error(compare(), run_.string() + ": is not empty and holds no freelunch run");
  EXPECT_EQ(read_file(run_ / "notes.txt"), "mine\n");
}

// Defect 11: an interrupted run of the same config is resumed from its checkpoint (it was
// retrained from step 0), and ends as the uninterrupted run would.
TEST_F(Compare, ResumesAnInterruptedRunOfTheSameConfig) {
  ASSERT_EQ(train("--stop-at 4").exit_code, 0);
  ASSERT_EQ(latest_checkpoint_step(run_), 4);
  const auto r = compare();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming the interrupted run in " + run_.string() + " at step 4"), std::string::npos) << r.err;
  const fs::path uninterrupted = dir_ / "uninterrupted";
  ASSERT_EQ(freelunch("train --quiet --config " + shell_quote(config_.string()) + " --out " +
                      shell_quote(uninterrupted.string()))
                .exit_code,
            0);
  EXPECT_EQ(deterministic_metrics(run_ / "metrics.jsonl"), deterministic_metrics(uninterrupted / "metrics.jsonl"));
  EXPECT_EQ(read_file(run_ / "model.safetensors"), read_file(uninterrupted / "model.safetensors"));
}

// SIGINT during `compare`: the training stops with a checkpoint, one message says how to continue,
// and the process dies of the signal (exit status 130 in a shell), as `train` does; rerunning the
// same command resumes the run.
TEST_F(Compare, SignalStopsWithACheckpointAndARerunResumes) {
  write_file_atomic(config_, R"({"seed": 4, "model": {"type": "mamba", "d_model": 8, "n_layer": 1, "d_state": 4},
        "task": {"name": "copy", "vocab": 4, "max_len": 4},
        "train": {"steps": 400, "batch_size": 4, "warmup": 1, "log_every": 1, "checkpoint_every": 1000},
        "eval": {"samples": 2, "sizes": [2, 4], "generate": false}})");
  ChildProcess child({"compare", config_.string(), "--out", out_.string()}, dir_.path());
  ASSERT_TRUE(child.started());
  ASSERT_TRUE(test_support::signal_at_lines(child, run_ / "metrics.jsonl", 5, SIGINT)) << child.err();
  const int status = child.wait();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << "status " << status << ": " << child.err();
  const std::string err = child.err();
  EXPECT_NE(err.find("freelunch: interrupted by SIGINT at step "), std::string::npos) << err;
  EXPECT_NE(err.find("continue with: the same freelunch compare command"), std::string::npos) << err;
  const int64_t step = latest_checkpoint_step(run_);
  ASSERT_GE(step, 5);
  const auto r = compare();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resuming the interrupted run in " + run_.string() + " at step " + std::to_string(step)),
            std::string::npos)
      << r.err;
  EXPECT_EQ(deterministic_metrics(run_ / "metrics.jsonl").size(), 401u);  // a line per step and the evaluation
}

}  // namespace
}  // namespace fl
