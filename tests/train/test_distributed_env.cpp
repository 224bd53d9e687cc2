// torch.distributed's launch variables → DistributedEnv (train/distributed_env.h), and the rows of
// the global batch each rank trains on (train/data_parallel.h).
#include <gtest/gtest.h>

#include <map>

#include "support/fixtures.h"
#include "train/data_parallel.h"
#include "train/distributed_env.h"

namespace fl {
namespace {

using test_support::error_of;
using Variables = std::map<std::string, std::string>;

EnvironmentLookup lookup_in(const Variables& variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    const auto it = variables.find(name);
    return it == variables.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

// What torchrun --nproc_per_node 2 (static rendezvous) sets for rank 1, with `changes` applied
// ("" erases a variable).
Variables torchrun_rank1(const Variables& changes = {}) {
  Variables v{{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "127.0.0.1"},
              {"MASTER_PORT", "29500"}, {"TORCHELASTIC_USE_AGENT_STORE", "True"}, {"TORCHELASTIC_RESTART_COUNT", "0"}};
  for (const auto& [name, value] : changes) {
    if (value.empty())
      v.erase(name);
    else
      v[name] = value;
  }
  return v;
}

TEST(DistributedEnv, UnsetOrOneProcessMeansNoProcessGroup) {
  EXPECT_FALSE(read_distributed_env(lookup_in({})));
  EXPECT_FALSE(read_distributed_env(lookup_in({{"RANK", "3"}})));  // WORLD_SIZE decides
  EXPECT_FALSE(read_distributed_env(lookup_in({{"WORLD_SIZE", "1"}, {"RANK", "0"}, {"LOCAL_RANK", "0"}})));
}

TEST(DistributedEnv, ReadsTorchrunsVariables) {
  const auto env = read_distributed_env(lookup_in(torchrun_rank1()));
  ASSERT_TRUE(env);
  EXPECT_EQ(env->rank, 1);
  EXPECT_EQ(env->world_size, 2);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(env->master_addr, "127.0.0.1");
  EXPECT_EQ(env->master_port, 29500);
  EXPECT_TRUE(env->agent_store);
  EXPECT_EQ(env->store_prefix, "/worker/attempt_0");
  EXPECT_FALSE(env->leader());
  EXPECT_EQ(env->describe(), "rank 1 of 2");
}

TEST(DistributedEnv, WithoutTorchrunsAgentRankZeroServesTheStore) {
  const auto env = read_distributed_env(
      lookup_in(torchrun_rank1({{"RANK", "0"}, {"LOCAL_RANK", ""}, {"TORCHELASTIC_USE_AGENT_STORE", ""}})));
  ASSERT_TRUE(env);
  EXPECT_TRUE(env->leader());
  EXPECT_EQ(env->local_rank, 0);
  EXPECT_FALSE(env->agent_store);
  EXPECT_EQ(env->store_prefix, "");
}

TEST(DistributedEnv, MalformedValuesAreOneLineErrorsNamingTheVariable) {
  const std::vector<std::pair<Variables, std::string>> cases = {
      {torchrun_rank1({{"WORLD_SIZE", "two"}}), "WORLD_SIZE = 'two'"},
      {torchrun_rank1({{"WORLD_SIZE", "0"}}), "WORLD_SIZE = '0'"},
      {torchrun_rank1({{"WORLD_SIZE", "-2"}}), "WORLD_SIZE = '-2'"},
      {torchrun_rank1({{"RANK", "2"}}), "RANK = '2'"},
      {torchrun_rank1({{"RANK", " 1"}}), "RANK = ' 1'"},
      {torchrun_rank1({{"RANK", ""}}), "RANK is not set"},
      {torchrun_rank1({{"LOCAL_RANK", "9"}}), "LOCAL_RANK = '9'"},
      {torchrun_rank1({{"MASTER_ADDR", ""}}), "MASTER_ADDR is not set"},
      {torchrun_rank1({{"MASTER_PORT", ""}}), "MASTER_PORT is not set"},
      {torchrun_rank1({{"MASTER_PORT", "70000"}}), "MASTER_PORT = '70000'"},
      {torchrun_rank1({{"MASTER_PORT", "0"}}), "MASTER_PORT = '0'"},
      {torchrun_rank1({{"TORCHELASTIC_RESTART_COUNT", ""}}), "TORCHELASTIC_RESTART_COUNT is not set"},
      {{{"WORLD_SIZE", "1"}, {"RANK", "1"}}, "RANK = '1'"},
  };
  for (const auto& [variables, phrase] : cases) {
    const std::string error = error_of([&] { read_distributed_env(lookup_in(variables)); });
    EXPECT_NE(error.find(phrase), std::string::npos) << phrase << " → " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(DataParallelShards, EveryRowOnceInRankOrderSizesDifferingByAtMostOne) {
  for (int world : {1, 2, 3, 4, 7}) {
    for (int64_t rows = world; rows <= 3 * world + 2; ++rows) {
      int64_t next = 0;
      for (int r = 0; r < world; ++r) {
        const auto shard = shard_rows(rows, r, world);
        EXPECT_EQ(shard.begin, next) << rows << " rows, rank " << r << " of " << world;
        const int64_t size = shard.end - shard.begin;
        EXPECT_TRUE(size == rows / world || size == rows / world + 1) << rows << " rows, rank " << r;
        next = shard.end;
      }
      EXPECT_EQ(next, rows);
    }
  }
  EXPECT_EQ(shard_rows(5, 0, 2).end, 2);  // 5 rows over 2 ranks: rows 0–1, then 2–4
  EXPECT_EQ(shard_rows(5, 1, 2).begin, 2);
}

}  // namespace
}  // namespace fl
