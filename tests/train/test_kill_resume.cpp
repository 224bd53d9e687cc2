// Issue 7's crash test, on the real binary: `freelunch train` as a child process, SIGKILLed at a
// random step after its first periodic checkpoint, then `train --resume`; the metrics equal an
// uninterrupted run's line for line (wall-clock fields aside). SIGINT and SIGTERM stop it at a
// step boundary with a checkpoint, a one-line message, and then the process dies of the signal
// (exit status 130 / 143 in a shell). A diverging loss stops it naming the step, with the last
// checkpoint intact (a fault injected at a chosen step: FREELUNCH_FAULT, src/train/fault_injection.h).
// The binary is FREELUNCH_BINARY, or the environment variable of that name when set.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <random>

#include "core/atomic_file.h"
#include "support/child_process.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "train/checkpoint.h"
#include "train/resume_support.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::ChildProcess;
using test_support::deterministic_metrics;
using test_support::freelunch_binary;
using test_support::lines_in;
using test_support::latest_checkpoint_step;
using test_support::expect_one_line_error;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

constexpr int64_t kSteps = 150, kCheckpointEvery = 10;

// Waits until `child` has logged `steps` steps (log_every = 1), then sends `sig`. False if the
// child ended first.
bool signal_at_step(ChildProcess& child, const fs::path& run, int64_t steps, int sig) {
  return test_support::signal_at_lines(child, run / "metrics.jsonl", steps, sig);
}

int64_t random_step(int64_t lo, int64_t hi) {
  std::random_device device;
  return std::uniform_int_distribution<int64_t>(lo, hi)(device);
}

// The config, and the uninterrupted run every test compares with (trained once).
struct Reference {
  TempDir dir;
  fs::path config = dir / "config.json", run = dir / "reference";
  std::string error;  // why the reference run failed, if it did
};

const Reference& reference() {
  static const std::unique_ptr<Reference> ref = [] {
    auto r = std::make_unique<Reference>();
    write_file_atomic(r->config, R"({"seed": 2, "model": {"type": "mamba", "d_model": 8, "n_layer": 1, "d_state": 4},
        "task": {"max_len": 5},
        "train": {"steps": 150, "batch_size": 4, "warmup": 5, "log_every": 1, "checkpoint_every": 10},
        "eval": {"samples": 2, "generate": false}})");
    const auto result = run_command(shell_quote(freelunch_binary()) + " --threads 1 train --quiet --config " +
                                    shell_quote(r->config.string()) + " --out " + shell_quote(r->run.string()));
    if (result.exit_code != 0) r->error = freelunch_binary() + ": " + result.err;
    return r;
  }();
  return *ref;
}

class KillAndResume : public testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(reference().error, ""); }

  std::vector<std::string> train_args() const {
    return {"train", "--quiet", "--config", reference().config.string(), "--out", run_.string()};
  }

  void resume_and_compare() {
    const auto r =
        run_command(shell_quote(freelunch_binary()) + " --threads 1 train --quiet --resume " + shell_quote(run_.string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto lines = deterministic_metrics(run_ / "metrics.jsonl");
    EXPECT_EQ(lines.size(), static_cast<size_t>(kSteps + 1));  // a loss line per step and the evaluation
    EXPECT_EQ(lines, deterministic_metrics(reference().run / "metrics.jsonl"));
    EXPECT_EQ(read_file(run_ / "model.safetensors"), read_file(reference().run / "model.safetensors"));
  }

  TempDir work_;
  fs::path run_ = work_ / "run";
};

TEST_F(KillAndResume, SigkillAtARandomStepThenResumeEqualsUninterrupted) {
  const fs::path& run = run_;
  const int64_t target = random_step(kCheckpointEvery + 2, kSteps - 10);
  ChildProcess child(train_args(), work_.path());
  ASSERT_TRUE(child.started()) << freelunch_binary();
  ASSERT_TRUE(signal_at_step(child, run, target, SIGKILL)) << "the run ended before step " << target << ": " << child.err();
  const int status = child.wait();
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  const int64_t logged = lines_in(run / "metrics.jsonl"), checkpoint = latest_checkpoint_step(run);
  EXPECT_GE(checkpoint, kCheckpointEvery);
  EXPECT_LE(checkpoint, logged);
  resume_and_compare();
  std::printf("[ kill/resume ] SIGKILL at step %lld (latest checkpoint: step %lld); after --resume all %lld metric "
              "lines equal the uninterrupted run's\n",
              static_cast<long long>(logged), static_cast<long long>(checkpoint), static_cast<long long>(kSteps + 1));
}

class StopSignal : public KillAndResume, public testing::WithParamInterface<int> {};

TEST_P(StopSignal, StopsAtAStepWithACheckpointThenResumes) {
  const int sig = GetParam();
  const fs::path& run = run_;
  ChildProcess child(train_args(), work_.path());
  ASSERT_TRUE(child.started()) << freelunch_binary();
  ASSERT_TRUE(signal_at_step(child, run, random_step(3, kSteps - 10), sig)) << child.err();
  const int status = child.wait();  // dies of the signal after the checkpoint: 128 + sig in a shell
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status << ": " << child.err();
  const std::string err = child.err();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;  // one line
  const std::string name = sig == SIGINT ? "SIGINT" : "SIGTERM";
  EXPECT_NE(err.find("freelunch: interrupted by " + name + " at step "), std::string::npos) << err;
  EXPECT_NE(err.find("continue with: freelunch train --resume " + run.string()), std::string::npos) << err;
  // The checkpoint is of the last step in metrics.jsonl: nothing logged is lost, nothing extra.
  const int64_t logged = lines_in(run / "metrics.jsonl");
  EXPECT_EQ(latest_checkpoint_step(run), logged);
  EXPECT_NE(err.find("at step " + std::to_string(logged) + " of 150"), std::string::npos) << err;
  resume_and_compare();
}

INSTANTIATE_TEST_SUITE_P(Signals, StopSignal, testing::Values(SIGINT, SIGTERM));

// The training loss of step 57 made NaN by the fault hook (FREELUNCH_FAULT=nan-loss@57; a real
// divergence, e.g. train.lr=10 without clipping, happens at a step that depends on the CPU's
// rounding, or not at all): one line naming the step and the last checkpoint (step 50), exit 2,
// nothing logged after step 56, and that checkpoint still verifies and holds finite weights.
TEST_F(KillAndResume, NonFiniteLossStopsNamingTheStepAndTheLastGoodCheckpoint) {
  const auto r = run_command("FREELUNCH_FAULT=nan-loss@57 " + shell_quote(freelunch_binary()) +
                             " --threads 1 train --quiet --config " + shell_quote(reference().config.string()) +
                             " --out " + shell_quote(run_.string()));
  ASSERT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("freelunch: error: training stopped: the training loss became nan at step 57 ", 0), 0u)
      << r.err;
  EXPECT_EQ(lines_in(run_ / "metrics.jsonl"), 56);
  const int64_t kept = latest_checkpoint_step(run_);
  EXPECT_EQ(kept, 50);
  const std::string name = read_file(run_ / "checkpoints" / "latest");
  const fs::path checkpoint = run_ / "checkpoints" / name.substr(0, name.find('\n'));
  EXPECT_NE(r.err.find("the last good checkpoint is " + checkpoint.string() + " (step 50)"), std::string::npos)
      << r.err;
  const auto loaded = load_checkpoint(checkpoint);  // verifies config.json and model.safetensors
  for (const char* file : {"train_state.safetensors", "progress.json"})
    read_checkpoint_file(checkpoint, file, loaded.manifest);
  for (const auto& [name, w] : loaded.model->named_weights()) EXPECT_TRUE(torch::isfinite(w).all().item<bool>()) << name;
}

// A fault hook the program does not know is an error, not a run without the fault.
TEST_F(KillAndResume, UnknownFaultIsAnError) {
  expect_one_line_error(run_command("FREELUNCH_FAULT=nan-loss@x " + shell_quote(freelunch_binary()) +
                                    " --threads 1 train --quiet --config " + shell_quote(reference().config.string()) +
                                    " --out " + shell_quote(run_.string())),
                        "FREELUNCH_FAULT");
  EXPECT_FALSE(fs::exists(run_));
}

}  // namespace
}  // namespace fl
