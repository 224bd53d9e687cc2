// Task::longest_example(): the most tokens an example of the training distribution can have,
// which `train` checks train.pack_len and learned positions against before it creates anything.
// For each task, small parameters whose longest example is common enough to be drawn: no sample
// is longer, and the longest is reached (the bound is exact, so it never refuses a config that
// would train).
#include <gtest/gtest.h>

#include <algorithm>

#include "support/fixtures.h"
#include "support/small_dataset.h"
#include "tasks/task.h"

namespace fl {
namespace {

using test_support::TempDir;

std::unique_ptr<Task> task_with(const std::string& name, const std::vector<std::string>& sets) {
  RawConfig raw{"test", {}, {}};
  for (const auto& s : sets) raw.apply_override(s);
  return make_task(name, resolve(raw, task_param_specs(name)));
}

int64_t longest_drawn(const Task& task, int draws) {
  Rng rng(11, kStreamTrainData);
  int64_t longest = 0;
  for (int i = 0; i < draws; ++i) longest = std::max<int64_t>(longest, task.sample(rng).tokens.size());
  return longest;
}

TEST(LongestExample, IsReachedAndNeverExceeded) {
  TempDir dir;
  const auto data = test_support::write_small_dataset(dir.path());
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"copy", {"task.min_len=1", "task.max_len=6"}},
      {"prefix_ngram", {"task.min_len=8", "task.max_len=12"}},
      {"suffix_ngram", {"task.min_len=8", "task.max_len=12"}},
      {"lookup", {}},
      {"assoc_recall", {"task.min_pairs=2", "task.pairs=4", "task.queries=2", "task.query_gap=1"}},
      {"assoc_recall", {"task.min_pairs=2", "task.pairs=3", "task.queries=0"}},
      {"local_dp", {"task.min_n=2", "task.n=5", "task.format=interleaved"}},
      {"local_dp", {"task.min_n=2", "task.n=5", "task.format=prefix"}},
      {"lis", {"task.min_n=3", "task.n=6", "task.format=cot"}},
      {"lis", {"task.min_n=3", "task.n=6", "task.format=direct"}},
      {"edit_distance", {"task.min_n=4", "task.n=5", "task.format=cot"}},
      {"edit_distance", {"task.min_n=4", "task.n=5", "task.format=direct"}},
      {"arithmetic", {"task.min_n=1", "task.n=3", "task.format=cot"}},
      {"arithmetic", {"task.min_n=1", "task.n=3", "task.format=direct"}},
      {"dataset", {"task.path=" + data.string(), "task.eval_fraction=0.5"}},
  };
  std::vector<std::string> covered;
  for (const auto& [name, sets] : cases) {
    const auto task = task_with(name, sets);
    EXPECT_EQ(longest_drawn(*task, 50000), task->longest_example()) << task->describe();
    covered.push_back(name);
  }
  for (const auto& name : task_names())
    EXPECT_NE(std::find(covered.begin(), covered.end(), name), covered.end()) << name << " is not covered";
}

// The formulas at sizes too large to reach by sampling (docs/TASKS.md states them).
TEST(LongestExample, GrowsAsTheFormatsSay) {
  EXPECT_EQ(task_with("copy", {"task.max_len=100"})->longest_example(), 203);  // $ x | x .
  EXPECT_EQ(task_with("lis", {"task.n=100", "task.value_span=200", "task.format=cot"})->longest_example(), 204);
  EXPECT_EQ(task_with("edit_distance", {"task.n=20", "task.num_range=100", "task.format=cot"})->longest_example(),
            20 * 20 + 5 * 20 + 7);  // str1 | str2 of n + 2 letters <sep> n rows of n + 2 values and ',' …
  EXPECT_EQ(task_with("arithmetic", {"task.n=10", "task.format=cot"})->longest_example(), 2 * 100 + 2 * 10 + 2);
  EXPECT_EQ(task_with("local_dp", {"task.n=100", "task.format=prefix"})->longest_example(), 203);
}

}  // namespace
}  // namespace fl
