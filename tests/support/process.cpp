#include "support/process.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>

#include "core/subprocess.h"

extern char** environ;

namespace fl::test_support {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

ProcessResult run_command(const std::string& command) {
  const auto r = run_child({"/bin/sh", "-c", command});
  return {r.exit_code, r.out, r.err};
}

void expect_one_line_error(const ProcessResult& r, const std::string& phrase) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("freelunch: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(phrase), std::string::npos) << r.err;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& out_file,
                           const std::filesystem::path& err_file, bool own_group)
    : own_group_(own_group) {
  std::vector<std::string> args = argv;
  std::vector<char*> raw;
  for (auto& a : args) raw.push_back(a.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (own_group) {
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
  }
  const int rc = posix_spawn(&pid_, raw[0], &actions, &attributes, raw.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) pid_ = -1;
}

ChildProcess::~ChildProcess() {
  if (own_group_ && pid_ > 0) ::kill(-pid_, SIGKILL);  // also what it started, should it be gone itself
  if (running()) ::kill(pid_, SIGKILL), wait();
}

bool ChildProcess::exited() {
  int status = 0;
  if (running() && ::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
  return !running();
}

int ChildProcess::wait() {
  while (running()) {
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) status_ = status;
  }
  return status_;
}

void ChildProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

void ChildProcess::signal_group(int sig) {
  if (running() && own_group_) ::kill(-pid_, sig);
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace fl::test_support
