// A one-node SLURM cluster of this machine for the tests of scripts/slurm/: munged, slurmctld and
// slurmd started as root, everything (config, keys, state, logs, sockets) in one directory, on free
// ports, stopped (by the pids in their pid files) when the object dies.
#pragma once
#include <filesystem>
#include <string>

#include "support/process.h"

namespace fl::test_support {

// True when the tests can start one: root, and Debian's slurmctld, slurmd, slurm-client and munge.
bool can_start_slurm();

class SingleNodeSlurm {
 public:
  // Starts the daemons and waits until the node is idle (a gtest failure if it never is).
  explicit SingleNodeSlurm(const std::filesystem::path& dir);
  ~SingleNodeSlurm();
  SingleNodeSlurm(const SingleNodeSlurm&) = delete;
  SingleNodeSlurm& operator=(const SingleNodeSlurm&) = delete;

  // A SLURM client command (" sbatch …") against this cluster.
  ProcessResult run(const std::string& command) const;
  // Waits until the queue is empty or a job waits on a dependency that failed (bounded by
  // `limit_seconds`, which only turns a hang into a failure).
  void wait_for_empty_queue(int limit_seconds) const;

 private:
  void start(const std::string& command);
  std::filesystem::path dir_;
};

}  // namespace fl::test_support
