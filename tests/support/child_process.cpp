#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/atomic_file.h"

extern char** environ;

namespace fl::test_support {

namespace fs = std::filesystem;

std::string freelunch_binary() {
  const char* override_path = std::getenv("FREELUNCH_BINARY");
  return override_path ? override_path : FREELUNCH_BINARY;
}

namespace {
std::vector<std::string> freelunch_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {freelunch_binary(), "--threads", "1"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}
}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& args, const fs::path& dir)
    : ChildProcess(freelunch_argv(args), dir / "stdout.txt", dir / "stderr.txt") {}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const fs::path& out_file, const fs::path& err_file,
                           bool own_group)
    : err_(err_file), own_group_(own_group) {
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

std::string ChildProcess::err() const { return read_file(err_); }

int64_t lines_in(const fs::path& file) {
  if (!fs::exists(file)) return 0;
  const std::string text = read_file(file);
  return std::count(text.begin(), text.end(), '\n');
}

bool signal_at_lines(ChildProcess& child, const fs::path& file, int64_t lines, int sig) {
  while (!child.exited()) {
    if (lines_in(file) >= lines) {
      child.signal(sig);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace fl::test_support
