// Sharded sweeps through the real binary: --shard's and --merge's one-line errors, and
// scripts/slurm/sweep-array.sbatch — its mapping of array tasks to shards for both of SLURM's
// numberings, its refusals, its body run under bash with the SLURM variables of every task and
// then the merge, and the same under a real single-node SLURM (slurmctld + slurmd + munged
// started here; root only, skipped elsewhere). Each time the merged table equals the table of
// the same sweep run whole.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/slurm_cluster.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::expect_one_line_error;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;
const std::string kScript = std::string(FREELUNCH_SOURCE_DIR) + "/scripts/slurm/sweep-array.sbatch";

// 6 tiny cells (one fails: d_state 0), a few steps each.
constexpr const char* kSweep = R"(
[base]
model = { type = "mamba", d_model = 8, n_layer = 1 }
task = { name = "copy", vocab = 4, min_len = 1, max_len = 3 }
train = { steps = 3, batch_size = 4, warmup = 1 }
eval = { samples = 2, sizes = [2, 3], generate = false }
[grid]
model.d_state = [0, 1, 2]
seed = [1, 2]
)";

// The columns of `freelunch results` that do not depend on timing, at full precision (CSV).
std::string results_table(const fs::path& sweep_dir, const fs::path& csv) {
  const auto r = run_command(kBin + " results " + shell_quote(sweep_dir.string()) +
                             " --columns hash,status,attempts,error,model.d_state,seed,loss,acc,acc@2,acc@3,params,"
                             "state_bytes,threads --csv " + shell_quote(csv.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_file(csv);
}

// The sweep run whole, in one process of one thread: what the shards must merge into.
std::string whole_sweep_table(const TempDir& dir, const std::string& file) {
  const auto whole = dir / "whole";
  const auto r = run_command(kBin + " --threads 1 sweep " + shell_quote(file) + " --dir " +
                             shell_quote(whole.string()) + " --quiet");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return results_table(whole, dir / "whole.csv");
}

// `VAR=value …` for one array task of `count` tasks numbered from `min`.
std::string array_task_env(int64_t id, int64_t min, int64_t count) {
  return "SLURM_ARRAY_TASK_ID=" + std::to_string(id) + " SLURM_ARRAY_TASK_MIN=" + std::to_string(min) +
         " SLURM_ARRAY_TASK_MAX=" + std::to_string(min + count - 1) +
         " SLURM_ARRAY_TASK_COUNT=" + std::to_string(count) + " ";
}

TEST(ShardCli, BadShardOrMergeIsOneLineError) {
  TempDir dir;
  const auto file = (dir / "s.toml").string();
  write_file_atomic(file, kSweep);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"sweep " + shell_quote(file) + " --shard 0/3", "--shard '0/3': the shard I must be between 1 and N = 3"},
      {"sweep " + shell_quote(file) + " --shard 4/3", "--shard '4/3': the shard I must be between 1 and N = 3"},
      {"sweep " + shell_quote(file) + " --shard a/b", "--shard 'a/b': expected I/N"},
      {"sweep " + shell_quote(file) + " --shard 3", "--shard '3': expected I/N"},
      {"reproduce --shard 1/0 --dir " + shell_quote((dir / "r").string()), "--shard '1/0': the number of shards N"},
      {"results " + shell_quote((dir / "sweep").string()) + " --merge " + shell_quote((dir / "nowhere").string()),
       "no such sweep directory or results database"},
  };
  for (const auto& [args, phrase] : cases) {
    SCOPED_TRACE(args);
    expect_one_line_error(run_command(kBin + " " + args), phrase);
  }
  EXPECT_FALSE(fs::exists(dir / "sweeps")) << "a refused sweep created its directory";
  EXPECT_FALSE(fs::exists(dir / "sweep"));
}

TEST(SlurmArray, ScriptMapsBothNumberingsToShards) {
  // FREELUNCH=echo shows the command each task would run.
  for (const int64_t min : {0, 1, 5}) {
    for (int64_t id = min; id < min + 3; ++id) {
      SCOPED_TRACE(std::to_string(min) + " " + std::to_string(id));
      const auto r = run_command("FREELUNCH=echo SLURM_CPUS_PER_TASK=2 " + array_task_env(id, min, 3) + "bash " +
                                 shell_quote(kScript) + " sweep 'my file.toml' --dir d");
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out, "--threads 2 sweep my file.toml --dir d --shard " + std::to_string(id - min + 1) + "/3\n");
    }
  }
}

TEST(SlurmArray, ScriptRefusesWhatIsNotOneContiguousArray) {
  const std::string script = " bash " + shell_quote(kScript);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"FREELUNCH=echo" + script + " sweep f.toml", "SLURM_ARRAY_TASK_ID is '': submit as a job array"},
      {"FREELUNCH=echo SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=5 "
       "SLURM_ARRAY_TASK_COUNT=3" + script + " sweep f.toml",  // --array=1,3,5 or 1-5:2
       "the array must be one range without gaps or step"},
      {array_task_env(1, 1, 3) + "FREELUNCH=echo" + script, "no freelunch command"},
  };
  for (const auto& [command, phrase] : cases) {
    SCOPED_TRACE(command);
    const auto r = run_command(command);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("sweep-array.sbatch: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(phrase), std::string::npos) << r.err;
  }
}

TEST(SlurmArray, ScriptBodyForEveryTaskThenMergeEqualsTheWholeSweep) {
  TempDir dir;
  const auto file = (dir / "s.toml").string();
  write_file_atomic(file, kSweep);
  const auto sharded = dir / "sharded";
  for (int64_t id = 0; id < 3; ++id) {  // --array=0-2
    const auto r = run_command("cd " + shell_quote(dir.path().string()) + " && FREELUNCH=" + shell_quote(kBin) +
                               " SLURM_CPUS_PER_TASK=1 " + array_task_env(id, 0, 3) + "bash " + shell_quote(kScript) +
                               " sweep s.toml --dir sharded");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("shard " + std::to_string(id + 1) + "/3: "), std::string::npos) << r.out;
  }
  EXPECT_EQ(test_support::files_in(sharded / "shards").size(), 3u);  // one database per shard, closed cleanly
  const auto merge = run_command(kBin + " results " + shell_quote(sharded.string()) + " --merge");
  ASSERT_EQ(merge.exit_code, 0) << merge.err;
  EXPECT_NE(merge.out.find("merged 3 databases into " + (sharded / "results.sqlite").string() +
                           ": 6 cells: 4 done, 2 failed, 0 not done\n"),
            std::string::npos)
      << merge.out;
  EXPECT_EQ(results_table(sharded, dir / "merged.csv"), whole_sweep_table(dir, file));
}

TEST(SlurmArray, RealSingleNodeSlurmRunsTheArrayThenTheMerge) {
  if (!test_support::can_start_slurm())
    GTEST_SKIP() << "needs root and Debian's slurmctld, slurmd, slurm-client and munge (scripts/setup.sh)";
  TempDir dir;
  const auto file = (dir / "s.toml").string();
  write_file_atomic(file, kSweep);
  const auto sharded = dir / "sharded";
  test_support::SingleNodeSlurm slurm(dir / "slurm");
  ASSERT_FALSE(HasFailure());
  const std::string common = " --chdir=" + shell_quote(dir.path().string()) + " --cpus-per-task=1";
  // The array numbered from 1 (--array=1-3); the merge runs once every task has succeeded.
  const auto array = slurm.run(" FREELUNCH=" + shell_quote(kBin) + " sbatch --parsable --array=1-3" + common +
                               " --output=task-%a.out " + shell_quote(kScript) + " sweep s.toml --dir sharded");
  ASSERT_EQ(array.exit_code, 0) << array.err;
  const std::string job = array.out.substr(0, array.out.find_first_of(";\n"));
  const auto merge = slurm.run(" sbatch --parsable --dependency=afterok:" + job + common +
                               " --output=merge.out --wrap " +
                               shell_quote(shell_quote(kBin) + " results sharded --merge"));
  ASSERT_EQ(merge.exit_code, 0) << merge.err;

  slurm.wait_for_empty_queue(180);
  const auto log = [&](const std::string& name) { return fs::exists(dir / name) ? read_file(dir / name) : ""; };
  ASSERT_NE(log("merge.out").find("merged 3 databases"), std::string::npos)
      << "merge job:\n" << log("merge.out") << "\nqueue:\n" << slurm.run(" squeue").out << "\ntasks:\n"
      << log("task-1.out") << log("task-2.out") << log("task-3.out");
  for (int64_t task = 1; task <= 3; ++task)
    EXPECT_NE(log("task-" + std::to_string(task) + ".out").find("shard " + std::to_string(task) + "/3"),
              std::string::npos);
  EXPECT_EQ(results_table(sharded, dir / "merged.csv"), whole_sweep_table(dir, file));
}

}  // namespace
}  // namespace fl
