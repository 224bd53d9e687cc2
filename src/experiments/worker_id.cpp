#include "experiments/worker_id.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace fl {

namespace {

struct ProcStat {
  char state = '?';
  int64_t start_ticks = 0;
};

// /proc/<pid>/stat: "pid (comm) state ppid …", starttime is field 22. comm may hold spaces
// and parentheses, so fields are counted from the last ')'.
bool read_proc_stat(int64_t pid, ProcStat& out) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return false;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  fields >> out.state;
  for (int index = 4; index <= 22 && fields >> field; ++index)  // state was field 3
    if (index == 22) out.start_ticks = std::stoll(field);
  return true;
}

}  // namespace

std::string this_host() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

WorkerId WorkerId::of_process(int64_t pid) {
  ProcStat stat;
  return {this_host(), pid, read_proc_stat(pid, stat) ? stat.start_ticks : 0};
}

WorkerId WorkerId::self() { return of_process(getpid()); }

bool WorkerId::alive_here() const {
  ProcStat stat;
  return pid > 0 && read_proc_stat(pid, stat) && stat.state != 'Z' && stat.state != 'X' &&
         stat.start_ticks == start_ticks;
}

}  // namespace fl
