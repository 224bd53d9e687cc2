#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

ChildProcess::ChildProcess(const std::vector<std::string>& args, const fs::path& dir) : err_(dir / "stderr.txt") {
  std::vector<std::string> argv = {freelunch_binary(), "--threads", "1"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (auto& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, (dir / "stdout.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc = posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) pid_ = -1;
}

ChildProcess::~ChildProcess() {
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

void ChildProcess::signal(int sig) { ::kill(pid_, sig); }

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
