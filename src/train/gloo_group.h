// The processes of a data-parallel run as one c10d process group over Gloo (the ProcessGroupGloo
// Debian's libtorch ships; its headers come from libgloo-dev), met through a TCPStore at
// MASTER_ADDR:MASTER_PORT (train/distributed_env.h). Every wait is bounded by one timeout: the
// rendezvous, and each collective, which also fails at once when a peer's connection drops (a
// rank that died). Every failure is one fl::Error naming this rank and what was being done.
//
// Gloo binds the interface named by GLOO_SOCKET_IFNAME when set, else the loopback interface when
// MASTER_ADDR is a loopback address, else the address this machine's hostname resolves to.
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include <torch/torch.h>

#include "train/distributed_env.h"

namespace fl {

enum class Reduction { sum, max };

class GlooGroup {
 public:
  // Meets the other WORLD_SIZE − 1 processes (blocks until all have arrived, or the timeout).
  GlooGroup(const DistributedEnv& env, std::chrono::milliseconds timeout);
  ~GlooGroup();
  GlooGroup(const GlooGroup&) = delete;
  GlooGroup& operator=(const GlooGroup&) = delete;

  const DistributedEnv& env() const { return env_; }
  // Reduces `tensor` (contiguous CPU float32, float64 or int64) over every process, in place; the
  // result is bit-identical on every rank. `what` names it in errors ("the gradients of step 12").
  void all_reduce(torch::Tensor& tensor, Reduction reduction, const std::string& what);

 private:
  struct Impl;
  DistributedEnv env_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fl
