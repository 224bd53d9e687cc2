// What a new user tripped over, through the real binary: `keys` naming whose task key each is and
// writing Markdown tables that stay tables, a note when sweep workers outnumber the threads,
// `--quiet` on every long command, and `speed` finding the source tree without a path fixed at
// build time.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "core/atomic_file.h"
#include "support/fixtures.h"
#include "support/process.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Cell separators of a Markdown table row: '|' not escaped as "\|".
int64_t separators(const std::string& row) {
  int64_t n = 0;
  for (size_t i = 0; i < row.size(); ++i) n += row[i] == '|' && (i == 0 || row[i - 1] != '\\');
  return n;
}

TEST(Usability, KeysNameTheTaskOfEachTaskKey) {
  const auto r = run_command(kBin + " keys");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> vocab_rows;
  for (const auto& line : lines_of(r.out))
    if (line.rfind("task.vocab ", 0) == 0) vocab_rows.push_back(line);
  ASSERT_EQ(vocab_rows.size(), 5u);  // five tasks have a task.vocab, each a row of its own
  for (const char* task : {"copy", "prefix_ngram", "suffix_ngram", "lookup", "assoc_recall"})
    EXPECT_EQ(std::count_if(vocab_rows.begin(), vocab_rows.end(),
                            [&](const std::string& row) { return row.find(std::string(" ") + task + " ") != std::string::npos; }),
              1)
        << task;
}

TEST(Usability, KeysMarkdownRowsKeepTheirFiveCells) {
  const auto r = run_command(kBin + " keys --markdown");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int64_t rows = 0;
  for (const auto& line : lines_of(r.out)) {
    if (line.empty() || line[0] != '|') continue;
    ++rows;
    EXPECT_EQ(separators(line), 6) << line;  // `model.type`'s choices and local_dp's format hold '|'
  }
  EXPECT_GT(rows, 60);
}

TEST(Usability, WorkersBeyondTheThreadsAreNoted) {
  TempDir dir;
  write_file_atomic(dir / "s.toml", "[base]\nmodel.d_model = 8\n[grid]\nseed = [1]\n");
  fs::create_directories(dir / "sw");
  write_file_atomic(dir / "sw" / "results.sqlite", "");
  // The sweep stops at its damaged (empty) results database, which it opens after the workers'
  // threads are shared out; the note comes first.
  const auto r = run_command(kBin + " --threads 1 sweep --quiet " + (dir / "s.toml").string() + " --workers 3 --dir " +
                             (dir / "sw").string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("freelunch: note: 3 workers but 1 thread (--threads): each worker runs one thread, 3 in all\n", 0),
            0u)
      << r.err;
}

TEST(Usability, TheoryLocalDpTakesQuiet) {
  TempDir dir;
  const auto r = run_command(kBin + " --threads 1 theory local-dp --quiet --max-t 6 --max-n 2 --examples 1 --out " +
                             (dir / "out").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST(Usability, SpeedFindsTheSourceTreeWithoutABuildTimePath) {
  // The help showed the build tree's absolute path as --source's default.
  const auto help = run_command(kBin + " speed --help");
  ASSERT_EQ(help.exit_code, 0) << help.err;
  const size_t source = help.out.find("--source");
  ASSERT_NE(source, std::string::npos) << help.out;
  const std::string source_line = help.out.substr(source, help.out.find('\n', source) - source);
  EXPECT_EQ(source_line.find(FREELUNCH_SOURCE_DIR), std::string::npos) << source_line;
  // A binary outside any checkout, run outside one: told to pass --source (before any work).
  TempDir dir;
  fs::copy_file(kBin, dir / "freelunch");
  fs::permissions(dir / "freelunch", fs::perms::owner_exec, fs::perm_options::add);
  const auto r = run_command("cd " + shell_quote(dir.path().string()) + " && ./freelunch speed --quick --quiet");
  test_support::expect_one_line_error(r, "speed needs the source tree's configs/ and reference/");
}

}  // namespace
}  // namespace fl
