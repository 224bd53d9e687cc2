// write_file_atomic cleans up after writes a crash cut short: the temporary files of earlier
// writes of the same file whose process has died go, everything else stays.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "support/fixtures.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

pid_t a_pid_that_has_ended() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

TEST(AtomicFile, RemovesTemporariesOfDeadWritersOfTheSameFile) {
  TempDir dir;
  const std::string dead = std::to_string(a_pid_that_has_ended());
  const std::vector<std::string> stale = {".s.json.tmp." + dead + ".0", ".s.json.tmp." + dead + ".17"};
  const std::vector<std::string> kept = {
      ".s.json.tmp." + std::to_string(getppid()) + ".0",  // a live process (our parent) may still rename it
      ".s.json.tmp." + std::to_string(getpid()) + ".3",   // this process's own (another thread's write)
      ".t.json.tmp." + dead + ".0",                        // another file's
      ".s.json.tmp.x.0", ".s.json.tmp." + dead, "s.json.tmp." + dead + ".0"};  // not a temporary's name
  for (const auto& name : stale) write_file_atomic(dir / name, "half");
  for (const auto& name : kept) write_file_atomic(dir / name, "other");
  write_file_atomic(dir / "s.json", "{}\n");
  EXPECT_EQ(read_file(dir / "s.json"), "{}\n");
  for (const auto& name : stale) EXPECT_FALSE(fs::exists(dir / name)) << name;
  for (const auto& name : kept) EXPECT_TRUE(fs::exists(dir / name)) << name;
}

}  // namespace
}  // namespace fl
