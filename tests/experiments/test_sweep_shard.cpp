// Shards of a sweep: --shard's parser and its one-line errors, the documented partition rule
// (golden values computed from docs/SWEEPS.md's formula by hand), its stability when cells are
// added, its balance, a shard's subset keeping the sweep's order, and the shard directories.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/results_store.h"
#include "experiments/sweep_shard.h"
#include "support/fixtures.h"

namespace fl {
namespace {

using test_support::error_of;
using test_support::TempDir;

std::vector<SweepCell> cells_with_seeds(int64_t n) {
  std::vector<SweepCell> cells;
  for (int64_t i = 0; i < n; ++i) {
    const Json config = {{"seed", i + 1}, {"model.d_state", 4}};
    cells.push_back({config_hash(config), "", config, i});
  }
  return cells;
}

TEST(SweepShard, ParsesIOfN) {
  const Shard s = parse_shard("2/8", "--shard");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 8);
  EXPECT_EQ(s.label(), "2/8");
  EXPECT_EQ(s.name(), "2-of-8");
  EXPECT_EQ(parse_shard("1/1", "--shard").count, 1);
  EXPECT_EQ(parse_shard("100000/100000", "--shard").index, 100000);
}

TEST(SweepShard, BadShardIsOneLineErrorNamingIt) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0/3", "--shard '0/3': the shard I must be between 1 and N = 3 (shards count from 1)"},
      {"4/3", "--shard '4/3': the shard I must be between 1 and N = 3"},
      {"1/0", "--shard '1/0': the number of shards N must be between 1 and 100000"},
      {"1/100001", "--shard '1/100001': the number of shards N must be between 1 and 100000"},
      {"a/b", "--shard 'a/b': expected I/N, shard I of N with 1 ≤ I ≤ N (e.g. --shard 2/8)"},
      {"3", "--shard '3': expected I/N"},
      {"", "--shard '': expected I/N"},
      {"-1/3", "--shard '-1/3': expected I/N"},
      {" 1/3", "--shard ' 1/3': expected I/N"},
      {"1/3/5", "--shard '1/3/5': expected I/N"},
      {"99999999999/3", "--shard '99999999999/3': expected I/N"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    const std::string e = error_of([&] { parse_shard(text, "--shard"); });
    EXPECT_EQ(e.rfind(message, 0), 0u) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos);
  }
}

TEST(SweepShard, FollowsTheDocumentedRule) {
  // 1 + fmix64(h) mod N, computed by hand from the formula in docs/SWEEPS.md.
  const std::map<std::string, std::vector<int64_t>> expected = {
      {"0000000000000000", {1, 1, 1, 1}},
      {"0000000000000001", {1, 3, 5, 605}},
      {"cbf29ce484222325", {1, 3, 7, 343}},
      {"ffffffffffffffff", {2, 2, 2, 290}},
      {"0123456789abcdef", {1, 1, 3, 651}},
  };
  const std::vector<int64_t> counts = {2, 3, 8, 1000};
  for (const auto& [hash, shards] : expected)
    for (size_t i = 0; i < counts.size(); ++i) EXPECT_EQ(shard_of(hash, counts[i]), shards[i]) << hash;
  EXPECT_NE(error_of([] { shard_of("not-a-hash", 2); }).find("not a cell hash"), std::string::npos);
}

TEST(SweepShard, PartitionIsStableWhenCellsAreAddedAndBalanced) {
  SweepSpec small{"s", cells_with_seeds(40)}, large{"s", cells_with_seeds(1000)};
  std::map<std::string, int64_t> shard_in_small;
  for (int64_t i = 1; i <= 4; ++i)
    for (const auto& cell : shard_spec(small, {i, 4}).cells) shard_in_small[cell.hash] = i;
  ASSERT_EQ(shard_in_small.size(), 40u);  // every cell in exactly one shard

  std::set<std::string> seen;
  for (int64_t i = 1; i <= 4; ++i) {
    const auto shard = shard_spec(large, {i, 4});
    EXPECT_EQ(shard.name, "s shard " + std::to_string(i) + "/4");
    EXPECT_GT(shard.cells.size(), 200u);  // 250 expected; FNV-1a's low bits alone would split seeds unevenly
    EXPECT_LT(shard.cells.size(), 300u);
    for (size_t k = 0; k < shard.cells.size(); ++k) {
      const auto& cell = shard.cells[k];
      EXPECT_TRUE(seen.insert(cell.hash).second);
      if (k > 0) {
        EXPECT_LT(shard.cells[k - 1].ordinal, cell.ordinal);  // the sweep's order
      }
      EXPECT_EQ(cell.config, large.cells[cell.ordinal].config);       // the sweep's ordinal
      const auto before = shard_in_small.find(cell.hash);
      if (before != shard_in_small.end()) {
        EXPECT_EQ(before->second, i);  // adding cells moved none
      }
    }
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(SweepShard, FindsShardDatabasesAndRefusesAnotherCount) {
  TempDir dir;
  EXPECT_TRUE(shard_databases(dir.path()).empty());
  check_shard_count(dir.path(), {1, 3});  // no shards yet: any count
  for (const Shard shard : {Shard{2, 3}, Shard{1, 3}}) {
    std::filesystem::create_directories(shard_dir(dir.path(), shard));
    ResultsStore(shard_database(dir.path(), shard), ResultsStore::Open::kCreate);
  }
  std::filesystem::create_directories(dir / "shards" / "notes");  // not a shard: ignored
  std::filesystem::create_directories(dir / "shards" / "3-of-3");  // no database yet: ignored
  EXPECT_EQ(shard_databases(dir.path()),
            (std::vector<std::filesystem::path>{dir / "shards/1-of-3/results.sqlite",
                                                dir / "shards/2-of-3/results.sqlite"}));
  check_shard_count(dir.path(), {3, 3});
  const std::string e = error_of([&] { check_shard_count(dir.path(), {1, 4}); });
  EXPECT_NE(e.find("already split into 3 shards, not 4"), std::string::npos) << e;
  EXPECT_NE(e.find("use --shard I/3"), std::string::npos) << e;
}

}  // namespace
}  // namespace fl
