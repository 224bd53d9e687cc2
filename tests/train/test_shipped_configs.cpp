// Every config shipped under configs/ is valid: it parses, its task builds, a model of it can be
// constructed, and its sequences fit its packing and learned positions (so users never meet a
// broken preset).
#include <gtest/gtest.h>

#include <filesystem>

#include "data/eval_set.h"
#include "models/lm.h"
#include "train/run_config.h"
#include "train/sequence_limits.h"

namespace fl {
namespace {

TEST(ShippedConfigs, AllLoadAndBuild) {
  int count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(FREELUNCH_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".toml" && entry.path().extension() != ".json") continue;
    if (entry.path().parent_path().filename() == "sweeps") continue;  // sweep files: tests/experiments
    if (entry.path().parent_path().parent_path().filename() == "reproduce") continue;  // suites: tests/reproduce
    SCOPED_TRACE(entry.path().string());
    try {
      const auto config = RunConfig::load(entry.path(), {});
      const auto task = config.make_task();
      EXPECT_GE(config.model.vocab_size, task->vocab().size());
      const EvalSet eval_set(*task, config.eval.sizes.empty() ? task->default_eval_sizes() : config.eval.sizes,
                             config.eval.samples, config.seed);
      check_sequence_lengths(config, *task, eval_set);
      ++count;
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_GE(count, 2);
}

}  // namespace
}  // namespace fl
