// Who holds a running sweep cell: the host, the process id and the process's start time (clock
// ticks after boot, field 22 of /proc/<pid>/stat), so a recycled pid is never mistaken for the
// worker that died. A holder on this host is alive iff that process still runs; holders on
// other hosts are judged by their lease (see ResultsStore::claim_next).
#pragma once
#include <cstdint>
#include <string>

namespace fl {

struct WorkerId {
  std::string host;
  int64_t pid = 0;
  int64_t start_ticks = 0;

  static WorkerId self();
  static WorkerId of_process(int64_t pid);  // this host; start_ticks = 0 if no such process
  // Meaningful on this host only: the process exists, is not a zombie, and started at start_ticks.
  bool alive_here() const;
};

std::string this_host();

}  // namespace fl
