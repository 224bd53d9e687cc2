// Data-parallel training under SLURM: scripts/slurm/train-data-parallel.sbatch maps srun's
// variables to torch.distributed's (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT). Its
// refusals outside a job, and a real single-node SLURM (support/slurm_cluster.h; root only,
// skipped elsewhere) running a 2-task job whose losses equal one process's on the same global
// batch at every step.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "core/atomic_file.h"
#include "support/fixtures.h"
#include "support/free_port.h"
#include "support/process.h"
#include "support/slurm_cluster.h"
#include "train/resume_support.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;
const std::string kScript = std::string(FREELUNCH_SOURCE_DIR) + "/scripts/slurm/train-data-parallel.sbatch";

constexpr const char* kConfig = R"({"seed": 3, "model": {"type": "mamba", "d_model": 8, "n_layer": 1, "d_state": 4},
  "task": {"max_len": 6}, "train": {"steps": 20, "warmup": 5, "log_every": 1, "batch_size": 5},
  "eval": {"samples": 4, "generate": false}})";

TEST(SlurmTrain, ScriptRefusesToRunOutsideAJob) {
  // env clears what a surrounding job would set, then sets the case's own variables.
  const auto script = [](const std::string& variables) {
    return "env -u SLURM_JOB_ID -u SLURM_NTASKS -u SLURM_JOB_NODELIST FREELUNCH=echo " + variables + " bash " +
           shell_quote(kScript);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {script("") + " train --config c.json", "SLURM_JOB_ID is '': submit with sbatch"},
      {script("SLURM_JOB_ID=7 SLURM_NTASKS=2") + " train --config c.json", "SLURM_JOB_NODELIST is not set"},
      {script("SLURM_JOB_ID=7 SLURM_NTASKS=2 SLURM_JOB_NODELIST=n1"), "no freelunch command"},
  };
  for (const auto& [command, phrase] : cases) {
    SCOPED_TRACE(command);
    const auto r = run_command(command);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("train-data-parallel.sbatch: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(phrase), std::string::npos) << r.err;
  }
}

TEST(SlurmTrain, RealSingleNodeSlurmTrainsWithTwoTasksAsOneProcess) {
  if (!test_support::can_start_slurm())
    GTEST_SKIP() << "needs root and Debian's slurmctld, slurmd, slurm-client and munge (scripts/setup.sh)";
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "a 2-task job needs 2 CPUs";
  TempDir dir;
  write_file_atomic(dir / "config.json", kConfig);
  const auto one = run_command(shell_quote(kBin) + " --threads 1 train --quiet --config " +
                               shell_quote((dir / "config.json").string()) + " --out " +
                               shell_quote((dir / "one").string()));
  ASSERT_EQ(one.exit_code, 0) << one.err;

  test_support::SingleNodeSlurm slurm(dir / "slurm");
  ASSERT_FALSE(HasFailure());
  // MASTER_ADDR comes from the job's node list (this machine's name) when the name resolves;
  // a machine whose name does not resolve must set it, as the docs say.
  const bool name_resolves = run_command("getent hosts \"$(hostname -s)\" >/dev/null").exit_code == 0;
  const std::string address = name_resolves ? "" : "MASTER_ADDR=127.0.0.1 ";
  const auto job = slurm.run(" " + address + "MASTER_PORT=" + std::to_string(test_support::free_local_port()) +
                             " FREELUNCH=" + shell_quote(kBin) + " sbatch --parsable --ntasks=2 --cpus-per-task=1" +
                             " --chdir=" + shell_quote(dir.path().string()) + " --output=train.out " +
                             shell_quote(kScript) + " train --quiet --dist-timeout 60 --config config.json --out two");
  ASSERT_EQ(job.exit_code, 0) << job.err;
  slurm.wait_for_empty_queue(180);

  const std::string log = fs::exists(dir / "train.out") ? read_file(dir / "train.out") : "";
  EXPECT_NE(log.find("2 processes, store at "), std::string::npos) << log;
  EXPECT_NE(log.find("rank 1 of 2: 20 steps done"), std::string::npos) << log;
  ASSERT_TRUE(fs::exists(dir / "two" / "summary.json")) << log;
  const auto expected = test_support::logged_losses(dir / "one" / "metrics.jsonl");
  const auto got = test_support::logged_losses(dir / "two" / "metrics.jsonl");
  ASSERT_EQ(expected.size(), 20u);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5 * std::abs(expected[i])) << "step " << i + 1;
}

}  // namespace
}  // namespace fl
