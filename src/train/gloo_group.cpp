#include "train/gloo_group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <glog/logging.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "core/error.h"

namespace fl {

namespace {

// The reason of a c10d or Gloo exception in one line, without its source location
// ("[./gloo/transport/tcp/pair.cc:589] Read error …: Connection reset by peer").
std::string reason(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10_error ? c10_error->what_without_backtrace() : e.what();
  text = text.substr(0, text.find('\n'));
  if (!text.empty() && text[0] == '[') {
    const auto end = text.find("] ");
    if (end != std::string::npos) text.erase(0, end + 2);
  }
  return text;
}

bool loopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const DistributedEnv& env) {
  const auto interface = process_environment("GLOO_SOCKET_IFNAME");
  if (interface && !interface->empty()) return c10d::ProcessGroupGloo::createDeviceForInterface(*interface);
  if (loopback(env.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// As torch.distributed's env:// rendezvous: rank 0 serves the store, unless torchrun's agent does.
c10::intrusive_ptr<c10d::Store> rendezvous_store(const DistributedEnv& env, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = env.master_port;
  options.isServer = env.leader() && !env.agent_store;
  options.numWorkers = env.world_size;
  options.timeout = timeout;
  options.multiTenant = !env.agent_store;
  auto store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  if (!env.agent_store) return store;
  return c10::make_intrusive<c10d::PrefixStore>(env.store_prefix, store);
}

}  // namespace

struct GlooGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

GlooGroup::GlooGroup(const DistributedEnv& env, std::chrono::milliseconds timeout)
    : env_(env), timeout_(timeout), impl_(std::make_unique<Impl>()) {
  // c10d logs its socket errors through glog to stderr; freelunch reports each failure as its own
  // one-line error, so glog keeps quiet below FATAL.
  FLAGS_minloglevel = google::GLOG_FATAL;
  const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
  try {
    impl_->store = rendezvous_store(env, timeout);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(gloo_device(env));
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, env.rank, env.world_size, options);
  } catch (const std::exception& e) {
    throw Error("data-parallel training (" + env.describe() + "): could not meet the other processes through the "
                "store at " + where + " within --dist-timeout " + std::to_string(timeout.count() / 1000) +
                " s: " + reason(e));
  }
}

GlooGroup::~GlooGroup() = default;

void GlooGroup::all_reduce(torch::Tensor& tensor, Reduction reduction, const std::string& what) {
  c10d::AllreduceOptions options;
  options.reduceOp = reduction == Reduction::sum ? c10d::ReduceOp::SUM : c10d::ReduceOp::MAX;
  options.timeout = timeout_;
  std::vector<at::Tensor> tensors{tensor};
  try {
    impl_->group->allreduce(tensors, options)->wait();
  } catch (const std::exception& e) {
    throw Error("data-parallel training (" + env_.describe() + "): the all-reduce of " + what + " failed: " +
                reason(e) + " (another process died, stopped or stalled beyond --dist-timeout " +
                std::to_string(timeout_.count() / 1000) + " s; see its own error)");
  }
}

}  // namespace fl
