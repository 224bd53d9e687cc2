// A fixed evaluation set: for each task size, distinct examples drawn from the evaluation
// stream. Training never sees them: the training sampler rejects every sequence found here.
#pragma once
#include <string>
#include <unordered_set>
#include <vector>

#include "core/rng.h"
#include "tasks/task.h"

namespace fl {

class EvalSet {
 public:
  // Draws up to `samples` distinct examples per size. Where a size has so few distinct
  // examples that duplicates dominate (more than 4·samples draws needed), it keeps only half
  // of the distinct ones found, so that training still has examples of that size (unless the
  // task's splits are disjoint by construction). The examples come from `stream` of `seed`
  // (kStreamEvalData for the evaluation set, kStreamValidationData for the validation split);
  // examples of `disjoint_from` are skipped, so a validation split never shares one with it.
  EvalSet(const Task& task, const std::vector<int64_t>& sizes, int64_t samples, uint64_t seed,
          RngStream stream = kStreamEvalData, const EvalSet* disjoint_from = nullptr);
  // A set of given examples (e.g. chosen problems of a hand-built model's check), as they are.
  explicit EvalSet(std::vector<std::pair<int64_t, std::vector<Example>>> by_size);
  bool contains(const std::vector<int32_t>& tokens) const { return keys_.count(key(tokens)) != 0; }
  const std::vector<std::pair<int64_t, std::vector<Example>>>& by_size() const { return by_size_; }
  static std::string key(const std::vector<int32_t>& tokens);

 private:
  std::vector<std::pair<int64_t, std::vector<Example>>> by_size_;
  std::unordered_set<std::string> keys_;
};

}  // namespace fl
