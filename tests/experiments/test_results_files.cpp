// The results database as a file: an empty or damaged results.sqlite stops `sweep` and `results`
// with the file named and is never written (it was taken for a new database: every finished cell
// retrained, and `results` wrote a schema into it); `results` reads a database it may not write
// (another user's, a read-only directory); a new database appears whole, once, however many
// processes create it at the same time.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/results_store.h"
#include "experiments/sweep_runner.h"
#include "support/fixtures.h"
#include "support/process.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::expect_one_line_error;
using test_support::files_in;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;

constexpr const char* kSweep = R"(
[base]
model = { type = "mamba", d_model = 8, n_layer = 1 }
task = { name = "copy", vocab = 4, min_len = 1, max_len = 3 }
train = { steps = 2, batch_size = 2, warmup = 1 }
eval = { samples = 1, sizes = [3], generate = false }
[grid]
seed = [1, 2]
)";

TEST(ResultsFiles, EmptyOrDamagedDatabaseIsNamedAndNeverWritten) {
  TempDir dir;
  write_file_atomic(dir / "tiny.toml", kSweep);
  for (const std::string& content : {std::string(), std::string(4096, 'x')}) {
    SCOPED_TRACE(content.size());
    const fs::path sweep = dir / ("sweep" + std::to_string(content.size()));
    fs::create_directories(sweep);
    write_file_atomic(results_file(sweep), content);
    const std::string file = results_file(sweep).string();
    expect_one_line_error(run_command(kBin + " --threads 1 sweep --quiet " + (dir / "tiny.toml").string() + " --dir " +
                                      sweep.string()),
                          file + (content.empty() ? ": an empty file, not" : ": not") +
                              " a freelunch results database (damaged?); nothing was run");
    expect_one_line_error(run_command(kBin + " results " + sweep.string()), file);
    EXPECT_EQ(files_in(sweep), (std::map<std::string, std::string>{{ResultsStore::kFileName, content}}));
  }
}

TEST(ResultsFiles, OpenedReadOnlyNothingIsWritten) {
  TempDir dir;
  const fs::path file = dir / "r.sqlite";
  write_file_atomic(file, "");
  for (const auto mode : {ResultsStore::Open::kReadOnly, ResultsStore::Open::kExisting, ResultsStore::Open::kCreate})
    EXPECT_NE(test_support::error_of([&] { ResultsStore(file, mode); }).find("an empty file"), std::string::npos);
  EXPECT_EQ(read_file(file), "");
  { ResultsStore(dir / "new.sqlite", ResultsStore::Open::kCreate).enqueue({{"h1", "", Json::object()}}, false); }
  const auto before = files_in(dir.path());
  EXPECT_EQ(ResultsStore(dir / "new.sqlite", ResultsStore::Open::kReadOnly).rows().size(), 1u);
  EXPECT_EQ(files_in(dir.path()), before);
}

TEST(ResultsFiles, ResultsReadsADatabaseItMayNotWrite) {
  TempDir dir;
  const fs::path sweep = dir / "sweep";
  fs::create_directories(sweep);
  {
    ResultsStore store(results_file(sweep), ResultsStore::Open::kCreate);
    store.enqueue({{"h1", "v", Json{{"seed", 1}}}, {"h2", "v", Json{{"seed", 2}}}}, false);
  }
  ASSERT_FALSE(fs::exists(results_file(sweep).string() + "-wal"));  // closed cleanly
  // Another user's sweep: a 555 directory holding a 444 database. Tests run as root, whom mode
  // bits do not stop, so then `results` runs as the user nobody (setpriv).
  fs::permissions(dir.path(), fs::perms(0755));
  fs::permissions(sweep, fs::perms(0555));
  fs::permissions(results_file(sweep), fs::perms(0444));
  const bool root = ::geteuid() == 0;
  fs::copy_file(kBin, dir / "freelunch");  // where nobody may run it
  fs::permissions(dir / "freelunch", fs::perms(0755));
  const std::string as_other_user = root ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  const auto r = run_command("cd / && " + as_other_user + shell_quote((dir / "freelunch").string()) + " results " +
                             shell_quote(sweep.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;  // was "unable to open database file"
  EXPECT_NE(r.out.find("2 cells"), std::string::npos) << r.out;
  EXPECT_EQ(files_in(sweep).size(), 1u);
  fs::permissions(sweep, fs::perms(0755));
}

TEST(ResultsFiles, ConcurrentCreatorsShareOneWholeDatabase) {
  TempDir dir;
  const fs::path file = dir / "r.sqlite";
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  for (size_t i = 0; i < errors.size(); ++i)
    threads.emplace_back([&, i] {
      errors[i] = test_support::error_of([&] {
        ResultsStore(file, ResultsStore::Open::kCreate).enqueue({{"h" + std::to_string(i), "", Json::object()}}, false);
      });
    });
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(ResultsStore(file, ResultsStore::Open::kReadOnly).rows().size(), 4u);
  for (const auto& [name, bytes] : files_in(dir.path())) EXPECT_EQ(name.find(".tmp."), std::string::npos) << name;
}

}  // namespace
}  // namespace fl
