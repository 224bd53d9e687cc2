// One training process per run directory: an exclusive flock(2) on the directory itself, held
// while a Trainer lives. The kernel drops it when the process ends, however it ends (SIGKILL
// included), so a crashed run never leaves a stale lock; a second `train --resume` on a run that
// is still going is refused instead of interleaving two writers' checkpoints and metrics.
#pragma once
#include <filesystem>

namespace fl {

class RunDirectoryLock {
 public:
  // fl::Error naming the directory if another open description holds it (another process).
  explicit RunDirectoryLock(const std::filesystem::path& dir);
  ~RunDirectoryLock();
  RunDirectoryLock(RunDirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RunDirectoryLock(const RunDirectoryLock&) = delete;
  RunDirectoryLock& operator=(const RunDirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace fl
