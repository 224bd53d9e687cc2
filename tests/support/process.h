// Runs a command through the shell and captures its exit code, stdout and stderr; checks what a
// command reports on bad input.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fl::test_support {

struct ProcessResult {
  int exit_code;
  std::string out, err;
};

ProcessResult run_command(const std::string& command);

// Quotes a string for /bin/sh.
std::string shell_quote(const std::string& s);

// The command failed as bad input should: exit code 2 and exactly one stderr line
// "freelunch: error: …" that holds `phrase`.
void expect_one_line_error(const ProcessResult& r, const std::string& phrase);

// A program started without a shell (argv[0] a path), its stdout and stderr going to files; for
// tests that signal or watch a running process. With own_group it leads a process group of its
// own, as a shell's job does (a terminal's Ctrl-C goes to the whole group). Killed with SIGKILL
// (its group too) if still running when the object dies, so a failing test leaves nothing behind.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& out_file,
               const std::filesystem::path& err_file, bool own_group = false);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() const { return pid_ > 0 && status_ < 0; }
  bool exited();  // without blocking
  int wait();     // the wait status (WIFSIGNALED, WTERMSIG, ...)
  void signal(int sig);
  void signal_group(int sig);  // to every process of its group (own_group only)
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool own_group_ = false;
  int status_ = -1;
};

// Whether a process with this pid exists (a zombie counts).
bool process_exists(pid_t pid);

}  // namespace fl::test_support
