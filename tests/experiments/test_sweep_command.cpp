// `freelunch sweep` and `freelunch results` end to end, through the real binary: workers killed
// with SIGKILL mid-sweep (three workers from two separately started sweep processes), then a
// rerun completes the grid with every cell done exactly once, the cells finished before the kill
// untouched, and every row intact. Also the commands' one-line errors.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/results_store.h"
#include "experiments/sqlite_db.h"
#include "experiments/sweep_runner.h"
#include "support/fixtures.h"
#include "support/process.h"

namespace fl {
namespace {

using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;

// 8 tiny Mamba cells of 2,000 steps (~0.3–1 s each here): long against the few milliseconds between seeing a
// cell running and the SIGKILL, so the killed sweep always leaves one mid-training.
constexpr const char* kSweep = R"(
[base]
model = { type = "mamba", d_model = 8, n_layer = 1 }
task = { name = "copy", vocab = 4, min_len = 1, max_len = 4 }
train = { steps = 2000, batch_size = 4, warmup = 1, log_every = 100 }
eval = { samples = 4, sizes = [4], generate = false }
[grid]
model.d_state = [1, 2, 3, 4]
seed = [1, 2]
)";

// Processes started in groups of their own, each killed with its workers (SIGKILL) at the
// latest when this object dies, so a failing test leaves nothing running.
class ProcessGroups {
 public:
  ~ProcessGroups() { kill_all(); }
  void start(const std::vector<std::string>& argv);
  void kill_all() {
    for (const pid_t leader : leaders_) {
      kill(-leader, SIGKILL);
      int status = 0;
      waitpid(leader, &status, 0);
    }
    leaders_.clear();
  }

 private:
  std::vector<pid_t> leaders_;
};

void ProcessGroups::start(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1), dup2(null, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  setpgid(pid, pid);
  leaders_.push_back(pid);
}

std::map<std::string, CellRow> rows_by_hash(const std::filesystem::path& dir) {
  std::map<std::string, CellRow> out;
  for (auto& row : ResultsStore(results_file(dir), ResultsStore::Open::kExisting).rows()) out[row.hash] = row;
  return out;
}

void expect_database_intact(const std::filesystem::path& dir) {
  SqliteDb db(results_file(dir), SqliteDb::Open::kExisting, 10000);
  SqliteStatement check(db, "PRAGMA integrity_check");
  ASSERT_TRUE(check.step());
  EXPECT_EQ(check.get_text(0), "ok");
}

TEST(SweepCommand, SigkilledWorkersThenRerunCompleteEveryCellOnce) {
  TempDir dir;
  const auto file = (dir / "kill.toml").string();
  write_file_atomic(file, kSweep);
  const auto sweep_dir = dir / "sweep";
  const std::vector<std::string> two_workers = {kBin, "--threads", "1", "sweep", file, "--dir", sweep_dir.string(),
                                                "--workers", "2", "--quiet"};
  std::vector<std::string> one_worker = two_workers;
  one_worker.resize(7);
  one_worker.push_back("--quiet");

  ProcessGroups sweeps;
  sweeps.start(two_workers);
  sweeps.start(one_worker);
  // Kill once some cells are done and another is mid-training (how many workers run by then
  // depends on how fast the busy machine starts them).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool ready = false;
  while (!ready && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    int64_t done = 0, running = 0;
    try {
      for (const auto& [hash, status] :
           ResultsStore(results_file(sweep_dir), ResultsStore::Open::kExisting).statuses())
        done += status == CellStatus::kDone, running += status == CellStatus::kRunning;
    } catch (const Error&) {
      continue;  // not created yet
    }
    ready = done >= 2 && running >= 1;
  }
  sweeps.kill_all();
  ASSERT_TRUE(ready) << "the sweep never had 2 cells done and 1 running";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the killed groups' workers are gone

  const auto at_kill = rows_by_hash(sweep_dir);
  ASSERT_EQ(at_kill.size(), 8u);
  int64_t interrupted = 0;
  for (const auto& [hash, row] : at_kill) interrupted += row.status == CellStatus::kRunning;
  EXPECT_GE(interrupted, 1);
  expect_database_intact(sweep_dir);

  const auto r = run_command(kBin + " --threads 1 sweep " + shell_quote(file) + " --dir " +
                             shell_quote(sweep_dir.string()) + " --workers 2 --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("8 cells: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 0 failed"), std::string::npos) << r.out;

  expect_database_intact(sweep_dir);
  const auto after = rows_by_hash(sweep_dir);
  ASSERT_EQ(after.size(), 8u);
  for (const auto& [hash, row] : after) {
    SCOPED_TRACE(hash);
    const auto& before = at_kill.at(hash);
    EXPECT_EQ(row.status, CellStatus::kDone);
    if (before.status == CellStatus::kDone) {  // untouched by the rerun
      EXPECT_EQ(row.attempts, before.attempts);
      EXPECT_EQ(row.finished_at.value(), before.finished_at.value());
      EXPECT_EQ(row.metrics, before.metrics);
    } else {  // claimed exactly once more: interrupted cells once each, queued ones for the first time
      EXPECT_EQ(row.attempts, before.attempts + 1);
    }
    EXPECT_TRUE(row.final_loss && row.accuracy && row.parameters && row.finished_at);
    EXPECT_EQ(row.metrics["eval"]["by_size"][0]["size"], 4);
    EXPECT_TRUE(std::filesystem::exists(cell_dir(sweep_dir, hash) / "summary.json"));
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(sweep_dir / "cells"),
                          std::filesystem::directory_iterator()),
            8);

  // The results table and its CSV.
  const auto csv = dir / "out.csv";
  const auto table = run_command(kBin + " results " + shell_quote(sweep_dir.string()) +
                                 " --where model.d_state=2 --columns seed,model.d_state,acc,acc@4 --csv " +
                                 shell_quote(csv.string()));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("2 of 8 cells: 8 done, 0 failed, 0 running, 0 queued"), std::string::npos) << table.out;
  const auto csv_text = read_file(csv);
  EXPECT_EQ(csv_text.rfind("seed,model.d_state,acc,acc@4\n1,2,", 0), 0u) << csv_text;
  EXPECT_EQ(std::count(csv_text.begin(), csv_text.end(), '\n'), 3);
}

TEST(SweepCommand, BadInputIsOneLineError) {
  TempDir dir;
  write_file_atomic(dir / "typo.toml", "[grid]\nmodel.d_stat = [1, 2]\n");
  // Each start of the binary costs seconds on a busy machine: the spec's own errors are tested
  // in test_sweep_spec.cpp; here only that they reach the user as one line.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"sweep " + shell_quote((dir / "typo.toml").string()), "did you mean 'model.d_state'"},
      {"results " + shell_quote((dir / "nowhere").string()), "no such database file"},
  };
  for (const auto& [args, phrase] : cases) {
    SCOPED_TRACE(args);
    test_support::expect_one_line_error(run_command(kBin + " " + args), phrase);
  }
}

}  // namespace
}  // namespace fl
