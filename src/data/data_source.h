// Where training examples come from: fresh samples every step (default) or a fixed set of S
// examples visited in reshuffled epochs. Either way, nothing in the held-out sets (the evaluation
// set, and the validation split when there is one) is used.
#pragma once
#include <optional>
#include <vector>

#include "data/eval_set.h"
#include "tasks/task.h"

namespace fl {

class DataSource {
 public:
  DataSource(const Task& task, std::vector<const EvalSet*> held_out, int64_t fixed_samples, uint64_t seed);
  DataSource(const Task& task, const EvalSet& held_out, int64_t fixed_samples, uint64_t seed)
      : DataSource(task, std::vector<const EvalSet*>{&held_out}, fixed_samples, seed) {}
  // `rows` sequences. pack_len = 0: one example each. pack_len = N: each the concatenation of
  // whole consecutive examples filling at most N tokens (docs/SOURCES.md §4: examples packed into
  // one context); an example that does not fit starts the next row, or waits for the next call.
  std::vector<Example> next_batch(int64_t rows, int64_t pack_len = 0);
  int64_t rejected() const { return rejected_; }  // samples skipped for being held out
  // Everything that decides the next batches (both generators, the epoch order and cursor, a
  // packed example held over) as JSON. seek() on a source built with the same task, evaluation
  // set, S and seed continues exactly where position() was taken; fl::Error naming `source` if
  // the JSON does not fit this source.
  Json position() const;
  void seek(const Json& position, const std::string& source);

 private:
  Example fresh();
  Example next_example();
  bool held_out(const std::vector<int32_t>& tokens) const;
  const Task& task_;
  std::vector<const EvalSet*> held_out_;
  Rng data_rng_, shuffle_rng_;
  std::vector<Example> fixed_;     // empty = fresh sampling
  std::vector<size_t> order_;
  size_t cursor_ = 0;
  int64_t rejected_ = 0;
  std::optional<Example> pending_;  // drawn but did not fit the last packed batch
};

}  // namespace fl
