// Where a data-parallel training process stands, read from the torch.distributed environment
// variables that `torchrun --no_python` sets for each process (docs/SWEEPS.md, "Data-parallel
// training"):
//   WORLD_SIZE   processes in the run; unset or 1: a single process, no process group
//   RANK         this process, 0 … WORLD_SIZE − 1 (rank 0 writes the run directory)
//   LOCAL_RANK   this process on its machine, 0 … WORLD_SIZE − 1 (checked; CPUs need no device)
//   MASTER_ADDR, MASTER_PORT   the rendezvous store (a TCPStore): where rank 0 serves it, or,
//                under torchrun's static rendezvous (TORCHELASTIC_USE_AGENT_STORE=True), where
//                torchrun's own agent serves it; keys then go under
//                /worker/attempt_<TORCHELASTIC_RESTART_COUNT>/, as torch.distributed's do.
// SLURM's srun sets other names: scripts/slurm/train-data-parallel.sbatch maps them to these.
// Torch-free.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace fl {

struct DistributedEnv {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr;
  uint16_t master_port = 0;
  bool agent_store = false;  // torchrun's agent serves the store; every rank is a client
  std::string store_prefix;  // "" or "/worker/attempt_<n>" (agent store)

  bool leader() const { return rank == 0; }
  std::string describe() const;  // "rank 1 of 2"
};

// The value of an environment variable, nullopt when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> process_environment(const std::string& name);  // std::getenv

// nullopt when WORLD_SIZE is unset or 1 (with RANK, LOCAL_RANK unset or 0): train as one process.
// Every malformed or inconsistent value is one fl::Error naming the variable and its value.
std::optional<DistributedEnv> read_distributed_env(const EnvironmentLookup& lookup = process_environment);

}  // namespace fl
