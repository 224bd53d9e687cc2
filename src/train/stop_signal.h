// Graceful stop on SIGINT / SIGTERM. While a StopSignals object lives, the first such signal
// only records its number: the trainer looks at it between steps, writes a checkpoint and stops.
// The handler resets itself on that first signal, so a second Ctrl-C kills the process at once
// (the checkpoints on disk stay consistent: every file is written atomically). Objects may nest
// and live in several threads at once (all of them see the signal); the handlers that were
// installed before come back when the last object dies.
#pragma once
#include <string>

namespace fl {

class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  int received() const;  // 0, SIGINT or SIGTERM
};

std::string signal_name(int signal);  // "SIGINT", "SIGTERM", else "signal N"

}  // namespace fl
