#include "core/subprocess.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/timing.h"

extern char** environ;

namespace fl {
namespace {

// An unlinked temporary file: the child writes into it, we read it back.
struct CaptureFile {
  int fd;
  CaptureFile() {
    char name[] = "/tmp/freelunch-child-XXXXXX";
    fd = mkstemp(name);
    require(fd >= 0, std::string("cannot create a temporary file: ") + std::strerror(errno));
    unlink(name);
  }
  ~CaptureFile() { close(fd); }
  std::string read_all() const {
    std::string s;
    char buf[65536];
    lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<size_t>(n));
    return s;
  }
};

}  // namespace

ChildResult run_child(const std::vector<std::string>& argv) {
  require(!argv.empty(), "run_child: empty command");
  CaptureFile out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  require(rc == 0, "cannot run " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) require(errno == EINTR, std::string("wait4: ") + std::strerror(errno));
  ChildResult r;
  r.seconds = seconds_since(start);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.peak_rss_kib = usage.ru_maxrss;
  r.out = out.read_all();
  r.err = err.read_all();
  return r;
}

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

}  // namespace fl
