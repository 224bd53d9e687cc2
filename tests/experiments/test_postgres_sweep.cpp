// `freelunch sweep --store URL` and `freelunch results --store URL` end to end, through the real
// binary, on a PostgreSQL server of the suite's own: worker processes of two "machines" (two
// sweep processes with run directories of their own) finish a sweep with every cell done
// exactly once; a worker SIGKILLed mid-cell (the FREELUNCH_FAULT hook) leaves its cell to be
// reclaimed and finished; a server restart mid-sweep is survived, and a server that stays away
// stops the workers with one line, after which a rerun finishes the sweep; bad URLs and
// refused connections are one-line errors without the password.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include "core/atomic_file.h"
#include "experiments/postgres_store.h"
#include "support/child_process.h"
#include "support/fixtures.h"
#include "support/postgres_server.h"
#include "support/process.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::ChildProcess;
using test_support::PostgresServer;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

// 8 tiny Mamba cells of `steps` steps, checkpointed every 50, as the sweep `name`.
std::string sweep_file(const TempDir& dir, const std::string& name, int steps) {
  const auto file = dir / (name + ".toml");
  write_file_atomic(file, "[sweep]\nname = \"" + name + "\"\n[base]\n"
                          "model = { type = \"mamba\", d_model = 8, n_layer = 1 }\n"
                          "task = { name = \"copy\", vocab = 4, min_len = 1, max_len = 4 }\n"
                          "train = { steps = " + std::to_string(steps) +
                          ", batch_size = 4, warmup = 1, log_every = 50, checkpoint_every = 50 }\n"
                          "eval = { samples = 4, sizes = [4], generate = false }\n"
                          "[grid]\nmodel.d_state = [1, 2, 3, 4]\nseed = [1, 2]\n");
  return file.string();
}

std::vector<std::string> sweep_argv(const std::string& file, const fs::path& dir, const std::string& url,
                                    int workers) {
  return {test_support::freelunch_binary(), "--threads", std::to_string(workers), "sweep", file, "--dir",
          dir.string(), "--store", url, "--workers", std::to_string(workers), "--quiet"};
}

std::string sweep_command(const std::string& file, const fs::path& dir, const std::string& url) {
  return test_support::freelunch_binary() + " --threads 1 sweep " + shell_quote(file) + " --dir " +
         shell_quote(dir.string()) + " --store " + shell_quote(url) + " --quiet";
}

class PostgresSweep : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<PostgresServer>(); }
  static void TearDownTestSuite() { server_.reset(); }

  static std::vector<CellRow> rows(const std::string& name) {
    return PostgresStore(server_->url(), name, SweepStore::Open::kReadOnly).rows();
  }
  // Waits (up to a minute) until the sweep has `done` cells done and one running.
  static bool wait_for_progress(const std::string& name, int64_t done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (!PostgresStore::exists(server_->url(), name)) continue;
      int64_t finished = 0, running = 0;
      for (const auto& row : rows(name)) finished += row.status == CellStatus::kDone, running += row.status == CellStatus::kRunning;
      if (finished >= done && running >= 1) return true;
    }
    return false;
  }
  static void expect_all_done(const std::string& name) {
    const auto all = rows(name);
    ASSERT_EQ(all.size(), 8u);
    for (const auto& row : all) EXPECT_EQ(row.status, CellStatus::kDone) << row.hash << " " << row.error;
  }

  TempDir dir_;
  static std::unique_ptr<PostgresServer> server_;
};

std::unique_ptr<PostgresServer> PostgresSweep::server_;

TEST_F(PostgresSweep, WorkersOnTwoMachinesFinishEveryCellExactlyOnce) {
  const auto file = sweep_file(dir_, "shared", 400);
  const fs::path machine_a = dir_ / "a", machine_b = dir_ / "b";
  ChildProcess a(sweep_argv(file, machine_a, server_->url(), 2), dir_ / "a.out", dir_ / "a.err");
  ChildProcess b(sweep_argv(file, machine_b, server_->url(), 1), dir_ / "b.out", dir_ / "b.err");
  ASSERT_EQ(a.wait(), 0) << a.err();
  ASSERT_EQ(b.wait(), 0) << b.err();
  expect_all_done("shared");
  for (const auto& row : rows("shared")) {
    SCOPED_TRACE(row.hash);
    EXPECT_EQ(row.attempts, 1);
    const bool in_a = fs::exists(machine_a / "cells" / row.hash / "summary.json");
    const bool in_b = fs::exists(machine_b / "cells" / row.hash / "summary.json");
    EXPECT_NE(in_a, in_b);  // trained once, on one machine
    EXPECT_EQ(row.metrics["eval"]["by_size"][0]["size"], 4);
  }
  const auto table = run_command(test_support::freelunch_binary() + " results --store " + shell_quote(server_->url()) +
                                 " shared --where model.d_state=2 --columns seed,model.d_state,acc");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("2 of 8 cells: 8 done, 0 failed, 0 running, 0 queued"), std::string::npos) << table.out;
}

TEST_F(PostgresSweep, SigkilledWorkersCellIsReclaimedAndFinished) {
  const auto file = sweep_file(dir_, "killed", 200);
  // The worker kills itself (SIGKILL) once its first cell's checkpoint of step 100 is written.
  const auto killed = run_command("FREELUNCH_FAULT=kill-before-latest@100 " +
                                  sweep_command(file, dir_ / "sweep", server_->url()));
  ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
  const auto at_kill = rows("killed");
  ASSERT_EQ(at_kill.size(), 8u);
  EXPECT_EQ(at_kill[0].status, CellStatus::kRunning);
  EXPECT_EQ(at_kill[0].attempts, 1);
  for (size_t i = 1; i < at_kill.size(); ++i) EXPECT_EQ(at_kill[i].status, CellStatus::kQueued);

  const auto rerun = run_command(sweep_command(file, dir_ / "sweep", server_->url()));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.out.find("8 cells: 8 done, 0 skipped (done before), 0 failed"), std::string::npos) << rerun.out;
  expect_all_done("killed");
  const auto after = rows("killed");
  EXPECT_EQ(after[0].hash, at_kill[0].hash);
  EXPECT_EQ(after[0].attempts, 2);  // reclaimed from the dead worker, once
  for (size_t i = 1; i < after.size(); ++i) EXPECT_EQ(after[i].attempts, 1);
}

TEST_F(PostgresSweep, WorkersRideOutAServerRestart) {
  const auto file = sweep_file(dir_, "restart", 1500);
  ChildProcess sweep(sweep_argv(file, dir_ / "sweep", server_->url(), 2), dir_ / "out", dir_ / "err");
  ASSERT_TRUE(wait_for_progress("restart", 1)) << sweep.err();
  server_->stop();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  server_->start();
  const int status = sweep.wait();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << sweep.err();
  expect_all_done("restart");
  for (const auto& row : rows("restart")) EXPECT_EQ(row.attempts, 1) << row.hash;  // no claim was lost
}

TEST_F(PostgresSweep, WorkersStopWithOneLineWhenTheServerStaysAwayAndARerunFinishes) {
  const auto file = sweep_file(dir_, "away", 1500);
  setenv("FREELUNCH_STORE_RECONNECTS", "1", 1);  // inherited by the child: gives up after 0.5 s
  ChildProcess sweep(sweep_argv(file, dir_ / "sweep", server_->url(), 1), dir_ / "out", dir_ / "err");
  unsetenv("FREELUNCH_STORE_RECONNECTS");
  ASSERT_TRUE(wait_for_progress("away", 0)) << sweep.err();
  server_->stop();
  const int status = sweep.wait();
  server_->start();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << sweep.err();
  const std::string err = sweep.err();
  EXPECT_EQ(err.rfind("freelunch: error: lost the connection to the sweep store; 1 reconnection attempts", 0), 0u)
      << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(err.find(server_->password()), std::string::npos) << err;

  const auto rerun = run_command(sweep_command(file, dir_ / "sweep", server_->url()));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  expect_all_done("away");
}

TEST_F(PostgresSweep, BadStoresAreOneLineErrorsWithoutThePassword) {
  const auto file = sweep_file(dir_, "errors", 10);
  const std::string bin = test_support::freelunch_binary();
  const auto refused = run_command(bin + " results --store postgresql://ann:s3cret@127.0.0.1:1/lab errors");
  test_support::expect_one_line_error(refused, "Connection refused");
  EXPECT_EQ(refused.err.find("s3cret"), std::string::npos) << refused.err;
  test_support::expect_one_line_error(
      run_command(bin + " sweep " + shell_quote(file) + " --store sweeps/x"),
      "--store 'sweeps/x': expected a postgresql:// or postgres:// URL");
  test_support::expect_one_line_error(run_command(bin + " results --store " + shell_quote(server_->url()) + " nosuch"),
                                      "sweep nosuch: no such sweep in the database");
}

}  // namespace
}  // namespace fl
