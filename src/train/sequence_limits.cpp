#include "train/sequence_limits.h"

#include "core/error.h"

namespace fl {

void check_sequence_lengths(const RunConfig& config, const Task& task, const EvalSet& eval_set) {
  const auto& t = config.train;
  const auto& m = config.model;
  const int64_t longest = task.longest_example();
  require(t.pack_len == 0 || t.pack_len >= longest,
          "train.pack_len = " + std::to_string(t.pack_len) + " is shorter than the longest training example (" +
              std::to_string(longest) + " tokens) of task '" + task.name() + "'");
  if (!m.learned_positions()) return;

  const std::string max_len = "model.max_len = " + std::to_string(m.max_len);
  if (t.pack_len > 0) {
    require(m.max_len >= t.pack_len - 1, max_len + " is too short for packed rows of up to train.pack_len = " +
                                             std::to_string(t.pack_len) + " tokens (learned positions need ≥ " +
                                             std::to_string(t.pack_len - 1) + ")");
  } else {
    require(m.max_len >= longest - 1, max_len + " is too short for training examples of up to " +
                                          std::to_string(longest) + " tokens (learned positions need ≥ " +
                                          std::to_string(longest - 1) + ")");
  }
  for (const auto& [size, examples] : eval_set.by_size())
    for (const auto& ex : examples) {
      const auto n = static_cast<int64_t>(ex.tokens.size());
      require(m.max_len >= n - 1, max_len + " is too short for the evaluation at " + task.size_name() + " " +
                                      std::to_string(size) + " (eval.sizes): examples of " + std::to_string(n) +
                                      " tokens need ≥ " + std::to_string(n - 1) +
                                      " learned positions; lower eval.sizes or raise model.max_len");
    }
}

}  // namespace fl
