#include "train/distributed_env.h"

#include <cstdlib>

#include "core/error.h"

namespace fl {

namespace {

// A decimal integer in [lo, hi] (digits only, no sign or spaces).
int64_t parse_integer(const std::string& name, const std::string& value, int64_t lo, int64_t hi) {
  const bool digits = !value.empty() && value.size() <= 9 && value.find_first_not_of("0123456789") == std::string::npos;
  const int64_t n = digits ? std::stoll(value) : -1;
  require(digits && n >= lo && n <= hi, name + " = '" + value + "': expected an integer from " + std::to_string(lo) +
                                            " to " + std::to_string(hi) + " (torch.distributed's launch variables)");
  return n;
}

std::string required(const EnvironmentLookup& lookup, const std::string& name, const std::string& why) {
  const auto value = lookup(name);
  require(value && !value->empty(), name + " is not set: " + why);
  return *value;
}

}  // namespace

std::string DistributedEnv::describe() const {
  return "rank " + std::to_string(rank) + " of " + std::to_string(world_size);
}

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

std::optional<DistributedEnv> read_distributed_env(const EnvironmentLookup& lookup) {
  const auto world = lookup("WORLD_SIZE");
  if (!world) return std::nullopt;
  DistributedEnv env;
  env.world_size = static_cast<int>(parse_integer("WORLD_SIZE", *world, 1, 65536));
  const auto rank_in_world = [&](const std::string& name) {
    const auto value = lookup(name);
    return value ? static_cast<int>(parse_integer(name, *value, 0, env.world_size - 1)) : 0;
  };
  env.rank = rank_in_world("RANK");
  env.local_rank = rank_in_world("LOCAL_RANK");
  if (env.world_size == 1) return std::nullopt;
  require(lookup("RANK").has_value(), "RANK is not set but WORLD_SIZE = " + *world +
                                          ": every process of a data-parallel run needs its rank");
  const std::string why = "the address of the rendezvous store of a data-parallel run (WORLD_SIZE = " + *world + ")";
  env.master_addr = required(lookup, "MASTER_ADDR", why);
  env.master_port = static_cast<uint16_t>(parse_integer("MASTER_PORT", required(lookup, "MASTER_PORT", why), 1, 65535));
  env.agent_store = lookup("TORCHELASTIC_USE_AGENT_STORE") == std::optional<std::string>("True");
  if (env.agent_store) {
    const std::string name = "TORCHELASTIC_RESTART_COUNT";
    const std::string attempt = required(lookup, name, "torchrun sets it with its agent's store");
    env.store_prefix = "/worker/attempt_" + std::to_string(parse_integer(name, attempt, 0, 1000000));
  }
  return env;
}

}  // namespace fl
