// The freelunch binary as a child process the test can signal or kill at a chosen moment (the
// crash, signal and interruption tests). stdout and stderr go to files in a given directory.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fl::test_support {

// FREELUNCH_BINARY, or the environment variable of that name when set (a binary built elsewhere).
std::string freelunch_binary();

class ChildProcess {
 public:
  // Starts `freelunch --threads 1 <args>`; stdout and stderr go to dir/stdout.txt, dir/stderr.txt.
  ChildProcess(const std::vector<std::string>& args, const std::filesystem::path& dir);
  ~ChildProcess();  // kills the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() const { return pid_ > 0 && status_ < 0; }
  bool exited();  // without blocking
  int wait();     // the wait status (WIFSIGNALED, WEXITSTATUS, …)
  void signal(int sig);
  std::string err() const;

 private:
  std::filesystem::path err_;
  pid_t pid_ = -1;
  int status_ = -1;
};

// Lines in `file` (0 if it does not exist).
int64_t lines_in(const std::filesystem::path& file);

// Waits until `child` has written `lines` lines to `file` (metrics.jsonl with log_every = 1: one
// per step), then sends `sig`. False if the child ended first.
bool signal_at_lines(ChildProcess& child, const std::filesystem::path& file, int64_t lines, int sig);

}  // namespace fl::test_support
