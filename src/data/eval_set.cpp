#include "data/eval_set.h"

#include <cstring>
#include <utility>

#include "core/memory_budget.h"

namespace fl {

std::string EvalSet::key(const std::vector<int32_t>& tokens) {
  std::string k(tokens.size() * sizeof(int32_t), '\0');
  std::memcpy(k.data(), tokens.data(), k.size());
  return k;
}

EvalSet::EvalSet(const Task& task, const std::vector<int64_t>& sizes, int64_t samples, uint64_t seed,
                 RngStream stream, const EvalSet* disjoint_from) {
  Rng rng(seed, stream);
  // Up front, from one example per size drawn from a copy of the stream (the set stays the same).
  Rng probe = rng;
  double bytes = 0;
  for (int64_t size : sizes) bytes += static_cast<double>(samples) * task.sample_at(probe, size).memory_bytes();
  require_within_memory(bytes, "the evaluation set (" + std::to_string(samples) + " examples for each of " +
                                   std::to_string(sizes.size()) + " sizes)",
                        "lower eval.samples (eval --samples) or evaluate fewer sizes");
  for (int64_t size : sizes) {
    std::vector<Example> examples;
    std::unordered_set<std::string> seen;
    int64_t draws = 0;
    for (; static_cast<int64_t>(examples.size()) < samples && draws < 8 * samples; ++draws) {
      Example ex = task.sample_at(rng, size);
      if (disjoint_from && disjoint_from->contains(ex.tokens)) continue;
      if (seen.insert(key(ex.tokens)).second) examples.push_back(std::move(ex));
    }
    if (draws > 4 * samples && !task.disjoint_splits()) examples.resize((examples.size() + 1) / 2);
    for (const auto& ex : examples) keys_.insert(key(ex.tokens));
    by_size_.emplace_back(size, std::move(examples));
  }
}

EvalSet::EvalSet(std::vector<std::pair<int64_t, std::vector<Example>>> by_size) : by_size_(std::move(by_size)) {
  for (const auto& [size, examples] : by_size_)
    for (const auto& ex : examples) keys_.insert(key(ex.tokens));
}

}  // namespace fl
