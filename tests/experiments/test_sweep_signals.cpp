// Ctrl-C (SIGINT to the process group, as a terminal sends it) and SIGTERM (to the command
// alone, as `kill PID` does) sent to `freelunch sweep --workers 2`, and SIGINT to `freelunch
// reproduce` (two workers by default on two threads), through the real binary: the workers run
// in process groups of their own and the coordinator forwards the signal to them, so each gets
// it once; each running cell stops at a step with a checkpoint, the
// coordinator waits for the workers and dies of the signal (exit status 130 / 143 in a shell);
// a rerun reclaims the interrupted cells and resumes them from their checkpoints. The signal is
// sent once both workers are training (each running cell has logged a step), never after a
// guessed delay; the cells are long enough (thousands of steps) that none can finish before it
// arrives.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <ostream>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/results_store.h"
#include "experiments/sweep_runner.h"
#include "support/child_process.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "train/resume_support.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::ChildProcess;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;
constexpr int64_t kSteps = 200000;

// A tiny Mamba trained for kSteps steps, far more than a signal lets it run: the flat engine does
// 2,000 steps of it in about a second, so a shorter cell could end before its sibling has started
// on a busy machine. Periodic checkpoints beyond the run, so the only checkpoints are step 0's and
// the one the signal makes.
const std::string kLongCell =
    "model = { type = \"mamba\", d_model = 8, n_layer = 1 }\n"
    "task = { name = \"copy\", vocab = 4, min_len = 1, max_len = 4 }\n"
    "train = { steps = " + std::to_string(kSteps) +
    ", batch_size = 4, warmup = 1, log_every = 10, checkpoint_every = 100000 }\n"
    "eval = { samples = 4, sizes = [4], generate = false }\n";

std::map<std::string, CellRow> rows_by_hash(const fs::path& sweep_dir) {
  std::map<std::string, CellRow> out;
  for (auto& row : ResultsStore(results_file(sweep_dir), ResultsStore::Open::kExisting).rows()) out[row.hash] = row;
  return out;
}

int64_t lines_in(const fs::path& file) {
  if (!fs::exists(file)) return 0;
  const std::string text = read_file(file);
  return std::count(text.begin(), text.end(), '\n');
}

// Waits (at most 3 minutes) until `cells` cells of the sweep are running and each has logged a
// training step; false if the process ended first or the time ran out.
bool wait_until_training(ChildProcess& process, const fs::path& sweep_dir, size_t cells) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!process.exited() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!fs::exists(results_file(sweep_dir))) continue;
    size_t training = 0;
    try {
      for (const auto& [hash, row] : rows_by_hash(sweep_dir))
        training += row.status == CellStatus::kRunning && lines_in(cell_dir(sweep_dir, hash) / "metrics.jsonl") > 0;
    } catch (const Error&) {
      continue;  // the database is being created
    }
    if (training == cells) return true;
  }
  return false;
}

// After the signal: every cell that was training is still 'running' under a worker that has
// exited, stopped at a checkpoint of its last logged step (metrics.jsonl synced); returns each
// such cell's metrics.jsonl as it was then.
std::map<std::string, std::string> expect_stopped_with_checkpoints(const fs::path& sweep_dir, size_t cells) {
  std::map<std::string, std::string> metrics;
  for (const auto& [hash, row] : rows_by_hash(sweep_dir)) {
    if (row.status != CellStatus::kRunning) continue;
    SCOPED_TRACE(hash);
    EXPECT_EQ(row.attempts, 1);
    EXPECT_TRUE(row.pid && !test_support::process_exists(static_cast<pid_t>(*row.pid)));  // the worker is gone
    const fs::path run = cell_dir(sweep_dir, hash);
    const int64_t logged_steps = lines_in(run / "metrics.jsonl");  // log_every = 10: one line per 10 steps
    EXPECT_GE(logged_steps, 1);
    EXPECT_LT(logged_steps * 10, kSteps);
    const int64_t checkpoint = test_support::latest_checkpoint_step(run);
    EXPECT_GE(checkpoint, logged_steps * 10);  // the stop checkpoint, not step 0's
    EXPECT_LT(checkpoint, logged_steps * 10 + 10);
    metrics[hash] = read_file(run / "metrics.jsonl");
  }
  EXPECT_EQ(metrics.size(), cells);
  return metrics;
}

struct Stop {
  int signal;
  bool to_group;  // to the process group (a terminal's Ctrl-C), else to the command alone
};
void PrintTo(const Stop& s, std::ostream* os) {
  *os << (s.signal == SIGINT ? "SIGINT" : "SIGTERM") << (s.to_group ? "-to-the-process-group" : "-to-the-command");
}

class SweepSignal : public testing::TestWithParam<Stop> {};

TEST_P(SweepSignal, StopsEveryWorkerAtACheckpointThenARerunResumes) {
  const int sig = GetParam().signal;
  const std::string name = sig == SIGINT ? "SIGINT" : "SIGTERM";
  TempDir dir;
  const auto file = (dir / "long.toml").string();
  write_file_atomic(file, "[base]\n" + kLongCell + "[grid]\nseed = [1, 2, 3]\n");
  const auto sweep_dir = dir / "sweep";
  const std::string args = " --threads 2 sweep " + shell_quote(file) + " --dir " + shell_quote(sweep_dir.string()) +
                           " --workers 2 --quiet";

  ChildProcess sweep({kBin, "--threads", "2", "sweep", file, "--dir", sweep_dir.string(), "--workers", "2", "--quiet"},
                     dir / "out.txt", dir / "err.txt", /*own_group=*/true);
  ASSERT_TRUE(sweep.started());
  ASSERT_TRUE(wait_until_training(sweep, sweep_dir, 2)) << read_file(dir / "err.txt");
  if (GetParam().to_group) sweep.signal_group(sig);
  else sweep.signal(sig);
  const int status = sweep.wait();
  const std::string err = read_file(dir / "err.txt");
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status << ": " << err;
  EXPECT_NE(err.find("freelunch: sweep long interrupted by " + name + ": 0 of 3 cells done, 3 to go"),
            std::string::npos)
      << err;
  const auto at_stop = expect_stopped_with_checkpoints(sweep_dir, 2);

  const auto rerun = run_command(kBin + args);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.out.find("3 cells: 3 done, 0 skipped (done before), 0 failed"), std::string::npos) << rerun.out;
  for (const auto& [hash, row] : rows_by_hash(sweep_dir)) {
    SCOPED_TRACE(hash);
    EXPECT_EQ(row.status, CellStatus::kDone);
    const std::string metrics = read_file(cell_dir(sweep_dir, hash) / "metrics.jsonl");
    const auto stopped = at_stop.find(hash);
    if (stopped == at_stop.end()) {
      EXPECT_EQ(row.attempts, 1);  // queued at the signal
      continue;
    }
    // Reclaimed once and resumed: the lines logged before the signal (wall-clock fields
    // included, which a run from step 0 would not reproduce) are kept, and the run goes on to
    // the last step.
    EXPECT_EQ(row.attempts, 2);
    EXPECT_EQ(metrics.rfind(stopped->second, 0), 0u);
    EXPECT_EQ(lines_in(cell_dir(sweep_dir, hash) / "metrics.jsonl"), kSteps / 10 + 1);  // + the evaluation
  }
}

INSTANTIATE_TEST_SUITE_P(Signals, SweepSignal, testing::Values(Stop{SIGINT, true}, Stop{SIGTERM, false}));

// `reproduce` runs its sweeps the same way; its first sweep (copy-state) gets the long cells.
TEST(ReproduceSignal, SigintStopsTheWorkersAtCheckpointsAndTheCommand) {
  TempDir dir;
  const fs::path suite = dir / "suite";
  fs::create_directories(suite);
  const std::string short_sweep =
      "[base]\nmodel = { d_model = 8, n_layer = 1 }\ntrain = { steps = 2, batch_size = 2, warmup = 1 }\n"
      "task = { name = \"copy\", vocab = 4, max_len = 3 }\neval = { samples = 2 }\n";
  write_file_atomic(suite / "copy-state.toml", "[base]\n" + kLongCell);  // two cells: runs.seeds = 2
  for (const char* id : {"sample-efficiency", "dp-cot", "locality"})
    write_file_atomic(suite / (std::string(id) + ".toml"), short_sweep);
  write_file_atomic(suite / "suite.toml", "[runs]\nseeds = 2\n[cost]\nquick = true\n");
  const fs::path results = dir / "results";

  ChildProcess reproduce({kBin, "--threads", "2", "reproduce", "--suite", suite.string(), "--dir", results.string(),
                          "--quiet"},
                         dir / "out.txt", dir / "err.txt");
  ASSERT_TRUE(reproduce.started());
  const fs::path sweep_dir = results / "sweeps" / "copy-state";
  ASSERT_TRUE(wait_until_training(reproduce, sweep_dir, 2)) << read_file(dir / "err.txt");
  reproduce.signal(SIGINT);
  const int status = reproduce.wait();
  const std::string err = read_file(dir / "err.txt");
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << "status " << status << ": " << err;
  EXPECT_NE(err.find("interrupted by SIGINT: 0 of 2 cells done, 2 to go"), std::string::npos) << err;
  expect_stopped_with_checkpoints(sweep_dir, 2);
  EXPECT_FALSE(fs::exists(results / "sweeps" / "sample-efficiency"));  // nothing after the interrupted part
}

}  // namespace
}  // namespace fl
