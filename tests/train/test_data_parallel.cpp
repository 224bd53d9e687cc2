// Data-parallel training on the real binary: `freelunch train` started twice with torchrun's
// variables on 127.0.0.1 (a free port) trains as one process on the same global batch — the same
// loss at every one of 50 steps to float rounding, both families, both engines, shards of unequal
// rows and tokens — and resumes as it runs uninterrupted. A rank that dies (FREELUNCH_FAULT kill@N)
// stops the other at once with a one-line error; a rank that stalls (hang@N) stops it after
// --dist-timeout. No test waits on timing: the bounds below only turn a hang into a failure.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <thread>

#include "core/atomic_file.h"
#include "support/child_process.h"
#include "support/fixtures.h"
#include "support/free_port.h"
#include "support/process.h"
#include "train/resume_support.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::ChildProcess;
using test_support::deterministic_metrics;
using test_support::freelunch_binary;
using test_support::logged_losses;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

constexpr auto kHangGuard = std::chrono::seconds(120);  // far beyond any run here: reaching it is a hang

// `world` processes of `freelunch --threads 1 [--engine E] train <args>`, each with the variables
// torchrun sets (rank 0 serves the store); rank r's stdout and stderr go to dir/rank<r>.{out,err}.
// `faults`: FREELUNCH_FAULT per rank.
class Launch {
 public:
  Launch(int world, const std::vector<std::string>& args, const fs::path& dir, const std::string& engine = "flat",
         const std::map<int, std::string>& faults = {}) {
    const std::string port = std::to_string(test_support::free_local_port());
    for (int r = 0; r < world; ++r) {
      std::vector<std::string> argv = {"/usr/bin/env", "RANK=" + std::to_string(r), "LOCAL_RANK=" + std::to_string(r),
                                       "WORLD_SIZE=" + std::to_string(world), "MASTER_ADDR=127.0.0.1",
                                       "MASTER_PORT=" + port};
      if (faults.count(r)) argv.push_back("FREELUNCH_FAULT=" + faults.at(r));
      for (const std::string& a : {freelunch_binary(), std::string("--threads"), std::string("1"),
                                   std::string("--engine"), engine})
        argv.push_back(a);
      argv.insert(argv.end(), args.begin(), args.end());
      const std::string name = "rank" + std::to_string(r);
      ranks_.push_back(std::make_unique<ChildProcess>(argv, dir / (name + ".out"), dir / (name + ".err")));
    }
  }

  ChildProcess& rank(int r) { return *ranks_.at(r); }

  // Rank r's exit code once it has ended; -1 if a signal ended it, -2 if it still runs after `limit`.
  int exit_code(int r, std::chrono::seconds limit = kHangGuard) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!rank(r).exited()) {
      if (std::chrono::steady_clock::now() > deadline) return -2;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const int status = rank(r).wait();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::vector<std::unique_ptr<ChildProcess>> ranks_;
};

struct Case {
  std::string name, engine, model, train;  // train: extra train.* keys
};

std::string config_json(const Case& c) {
  return R"({"seed": 3, "model": )" + c.model + R"(, "task": {"max_len": 6},
      "train": {"steps": 50, "warmup": 5, "log_every": 1, "checkpoint_every": 20, )" + c.train + R"(},
      "eval": {"samples": 4, "generate": false}})";
}

const std::string kMamba = R"({"type": "mamba", "d_model": 8, "n_layer": 1, "d_state": 4})";
const std::string kTransformer = R"({"type": "transformer", "d_model": 8, "n_layer": 1, "n_head": 2})";

class DataParallelRun : public testing::TestWithParam<Case> {
 protected:
  void SetUp() override { write_file_atomic(config_, config_json(GetParam())); }

  std::vector<std::string> train(const fs::path& out) const {
    return {"train", "--quiet", "--dist-timeout", "60", "--config", config_.string(), "--out", out.string()};
  }

  // Trains `out` with `world` processes; the runs' exit codes must be 0.
  void train_data_parallel(int world, const std::vector<std::string>& args) {
    Launch launch(world, args, dir_.path(), GetParam().engine);
    for (int r = world - 1; r >= 0; --r)
      ASSERT_EQ(launch.exit_code(r), 0) << "rank " << r << ": " << launch.rank(r).err();
  }

  TempDir dir_;
  fs::path config_ = dir_ / "config.json";
};

TEST_P(DataParallelRun, TwoProcessesMatchOneProcessOnTheSameGlobalBatch) {
  const auto one = dir_ / "one", two = dir_ / "two";
  const auto single = run_command(shell_quote(freelunch_binary()) + " --threads 1 --engine " + GetParam().engine +
                                  " train --quiet --config " + shell_quote(config_.string()) + " --out " +
                                  shell_quote(one.string()));
  ASSERT_EQ(single.exit_code, 0) << single.err;
  train_data_parallel(2, train(two));
  const auto expected = logged_losses(one / "metrics.jsonl"), got = logged_losses(two / "metrics.jsonl");
  ASSERT_EQ(expected.size(), 50u);
  ASSERT_EQ(got.size(), expected.size());
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], expected[i], 1e-5 * std::abs(expected[i])) << "step " << i + 1;
    worst = std::max(worst, std::abs(got[i] - expected[i]) / std::abs(expected[i]));
  }
  EXPECT_TRUE(fs::exists(two / "summary.json"));  // rank 0 finished the run directory
  EXPECT_FALSE(fs::exists(two / "checkpoints"));
  EXPECT_NE(read_file(dir_ / "rank1.out").find("rank 1 of 2: 50 steps done"), std::string::npos);
  std::printf("[ data-parallel ] %s: 2 processes vs 1, 50 steps, largest relative loss difference %.2e\n",
              GetParam().name.c_str(), worst);
}

TEST_P(DataParallelRun, StoppedAndResumedEqualsUninterrupted) {
  const auto whole = dir_ / "whole", parts = dir_ / "parts";
  train_data_parallel(2, train(whole));
  auto first = train(parts);
  first.insert(first.end(), {"--stop-at", "30"});
  train_data_parallel(2, first);
  train_data_parallel(2, {"train", "--quiet", "--resume", parts.string()});
  EXPECT_EQ(deterministic_metrics(parts / "metrics.jsonl"), deterministic_metrics(whole / "metrics.jsonl"));
  EXPECT_EQ(read_file(parts / "model.safetensors"), read_file(whole / "model.safetensors"));
}

INSTANTIATE_TEST_SUITE_P(
    FamiliesAndEngines, DataParallelRun,
    testing::Values(Case{"MambaFlat", "flat", kMamba, R"("batch_size": 5)"},
                    Case{"TransformerFlat", "flat", kTransformer, R"("batch_size": 5, "pack_len": 20)"},
                    Case{"MambaLibtorch", "libtorch", kMamba, R"("batch_size": 4, "pack_len": 20)"},
                    Case{"TransformerLibtorch", "libtorch", kTransformer, R"("batch_size": 3)"}),
    [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

class DataParallelFailure : public testing::Test {
 protected:
  void SetUp() override { write_file_atomic(config_, config_json({"", "flat", kMamba, R"("batch_size": 4)"})); }

  // Rank 1 with `fault`; rank 0's exit code and stderr.
  std::pair<int, std::string> rank0_when_rank1(const std::string& fault, const std::string& timeout) {
    Launch launch(2, {"train", "--quiet", "--dist-timeout", timeout, "--config", config_.string(), "--out",
                      (dir_ / "run").string()},
                  dir_.path(), "flat", {{1, fault}});
    const int code = launch.exit_code(0);
    return {code, launch.rank(0).err()};
  }

  TempDir dir_;
  fs::path config_ = dir_ / "config.json";
};

// One line "freelunch: error: data-parallel training (rank R of 2): …" holding `phrase`, exit 2.
void expect_data_parallel_error(int exit_code, const std::string& err, int rank, const std::string& phrase) {
  EXPECT_EQ(exit_code, 2) << err;
  const std::string prefix = "freelunch: error: data-parallel training (rank " + std::to_string(rank) + " of 2): ";
  EXPECT_EQ(err.rfind(prefix, 0), 0u) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(phrase), std::string::npos) << err;
}

TEST_F(DataParallelFailure, ARankThatDiesStopsTheOtherAtOnce) {
  // A timeout no test could wait for: the other rank must notice the closed connection itself.
  const auto rank0 = rank0_when_rank1("kill@12", "3600");
  expect_data_parallel_error(rank0.first, rank0.second, 0, "the all-reduce of the gradients of step 12 failed");
}

TEST_F(DataParallelFailure, ARankThatStallsStopsTheOtherAfterTheTimeout) {
  const auto rank0 = rank0_when_rank1("hang@12", "2");
  expect_data_parallel_error(rank0.first, rank0.second, 0, "--dist-timeout 2 s");
  EXPECT_NE(rank0.second.find("step 12"), std::string::npos) << rank0.second;
}

TEST_F(DataParallelFailure, AProcessAloneGivesUpAfterTheTimeout) {
  Launch launch(1, {"train", "--quiet", "--dist-timeout", "1", "--config", config_.string(), "--out",
                    (dir_ / "run").string()},
                dir_.path());
  ASSERT_EQ(launch.exit_code(0), 0) << "WORLD_SIZE = 1 trains as one process: " << launch.rank(0).err();
  const auto r = run_command("RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" +
                             std::to_string(test_support::free_local_port()) + " " + shell_quote(freelunch_binary()) +
                             " --threads 1 train --quiet --dist-timeout 1 --config " + shell_quote(config_.string()) +
                             " --out " + shell_quote((dir_ / "alone").string()));
  expect_data_parallel_error(r.exit_code, r.err, 1, "could not meet the other processes");
  EXPECT_FALSE(fs::exists(dir_ / "alone"));
}

TEST_F(DataParallelFailure, BadLaunchVariablesAndBatchSizesAreOneLineErrors) {
  const std::string train = shell_quote(freelunch_binary()) + " --threads 1 train --quiet --config " +
                            shell_quote(config_.string()) + " --out " + shell_quote((dir_ / "run").string());
  test_support::expect_one_line_error(run_command("WORLD_SIZE=2 RANK=x " + train), "RANK = 'x'");
  test_support::expect_one_line_error(run_command("WORLD_SIZE=2 RANK=1 MASTER_ADDR=127.0.0.1 " + train),
                                      "MASTER_PORT is not set");
  Launch launch(2, {"train", "--quiet", "--dist-timeout", "60", "--config", config_.string(), "--set",
                    "train.batch_size=1", "--out", (dir_ / "run").string()},
                dir_.path());
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(launch.exit_code(r), 2) << launch.rank(r).err();
    EXPECT_NE(launch.rank(r).err().find("train.batch_size = 1 is smaller than WORLD_SIZE = 2"), std::string::npos)
        << launch.rank(r).err();
  }
  EXPECT_FALSE(fs::exists(dir_ / "run"));
}

}  // namespace
}  // namespace fl
