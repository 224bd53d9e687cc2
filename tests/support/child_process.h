// A program as a child process the test can signal or kill at a chosen moment (the crash, signal
// and interruption tests); stdout and stderr go to files. Started without a shell (argv[0] a path).
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fl::test_support {

// FREELUNCH_BINARY, or the environment variable of that name when set (a binary built elsewhere).
std::string freelunch_binary();

// Killed with SIGKILL (its group too) if still running when the object dies, so a failing test
// leaves nothing behind.
class ChildProcess {
 public:
  // Starts `freelunch --threads 1 <args>`; stdout and stderr go to dir/stdout.txt, dir/stderr.txt.
  ChildProcess(const std::vector<std::string>& args, const std::filesystem::path& dir);
  // Starts `argv` as given. With own_group it leads a process group of its own, as a shell's job
  // does (a terminal's Ctrl-C goes to the whole group).
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& out_file,
               const std::filesystem::path& err_file, bool own_group = false);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() const { return pid_ > 0 && status_ < 0; }
  bool exited();  // without blocking
  int wait();     // the wait status (WIFSIGNALED, WEXITSTATUS, …)
  void signal(int sig);
  void signal_group(int sig);  // to every process of its group (own_group only)
  pid_t pid() const { return pid_; }
  std::string err() const;  // what it wrote to stderr so far

 private:
  std::filesystem::path err_;
  pid_t pid_ = -1;
  bool own_group_ = false;
  int status_ = -1;
};

// Whether a process with this pid exists (a zombie counts).
bool process_exists(pid_t pid);

// Lines in `file` (0 if it does not exist).
int64_t lines_in(const std::filesystem::path& file);

// Waits until `child` has written `lines` lines to `file` (metrics.jsonl with log_every = 1: one
// per step), then sends `sig`. False if the child ended first.
bool signal_at_lines(ChildProcess& child, const std::filesystem::path& file, int64_t lines, int sig);

}  // namespace fl::test_support
