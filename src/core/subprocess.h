// Runs a program as a child process (no shell), capturing its exit code, stdout, stderr, wall
// time and peak resident memory (from wait4's rusage, so the figure is the child's alone).
#pragma once
#include <string>
#include <vector>

namespace fl {

struct ChildResult {
  int exit_code = -1;      // -1 when killed by a signal
  std::string out, err;
  long peak_rss_kib = 0;   // ru_maxrss of the child
  double seconds = 0;      // wall time
};

// argv[0] is looked up on PATH when it has no slash. Throws fl::Error if it cannot be started.
ChildResult run_child(const std::vector<std::string>& argv);

// The absolute path of the running executable (/proc/self/exe).
std::string self_executable();

}  // namespace fl
