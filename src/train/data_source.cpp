#include "train/data_source.h"

#include <unordered_set>

#include "core/error.h"

namespace fl {

DataSource::DataSource(const Task& task, const EvalSet& held_out, int64_t fixed_samples, uint64_t seed)
    : task_(task), held_out_(held_out), data_rng_(seed, kStreamTrainData), shuffle_rng_(seed, kStreamShuffle) {
  if (fixed_samples == 0) return;
  std::unordered_set<std::string> seen;
  for (int64_t attempts = 0; static_cast<int64_t>(fixed_.size()) < fixed_samples; ++attempts) {
    require(attempts < 20 * fixed_samples + 1000,
            "train.samples = " + std::to_string(fixed_samples) + " distinct examples outside the evaluation set "
            "cannot be drawn from task '" + task.name() + "' (only " + std::to_string(fixed_.size()) + " found)");
    Example ex = fresh();
    if (seen.insert(EvalSet::key(ex.tokens)).second) fixed_.push_back(std::move(ex));
  }
  for (size_t i = 0; i < fixed_.size(); ++i) order_.push_back(i);
  cursor_ = order_.size();  // shuffle on first use
}

Example DataSource::fresh() {
  for (int64_t consecutive = 0;; ++consecutive) {
    require(consecutive < 10000, "task '" + task_.name() +
                                     "' keeps producing evaluation examples: its training distribution is too "
                                     "small for eval.samples; lower eval.samples or widen the task");
    Example ex = task_.sample(data_rng_);
    if (!held_out_.contains(ex.tokens)) return ex;
    ++rejected_;
  }
}

Example DataSource::next_example() {
  if (fixed_.empty()) return fresh();
  if (cursor_ == order_.size()) {  // new epoch: Fisher–Yates with our own generator
    for (size_t i = order_.size() - 1; i > 0; --i)
      std::swap(order_[i], order_[shuffle_rng_.uniform_int(0, static_cast<int64_t>(i))]);
    cursor_ = 0;
  }
  return fixed_[order_[cursor_++]];
}

std::vector<Example> DataSource::next_batch(int64_t rows, int64_t pack_len) {
  std::vector<Example> batch;
  batch.reserve(rows);
  if (pack_len == 0) {
    while (static_cast<int64_t>(batch.size()) < rows) batch.push_back(next_example());
    return batch;
  }
  batch.resize(rows);
  for (auto& row : batch) {
    while (true) {
      Example ex = pending_ ? std::move(*pending_) : next_example();
      pending_.reset();
      const auto n = static_cast<int64_t>(ex.tokens.size());
      require(n <= pack_len, "train.pack_len = " + std::to_string(pack_len) +
                                 " is shorter than a training example (" + std::to_string(n) + " tokens)");
      if (static_cast<int64_t>(row.tokens.size()) + n > pack_len) {
        pending_ = std::move(ex);
        break;
      }
      row.tokens.insert(row.tokens.end(), ex.tokens.begin(), ex.tokens.end());
      row.loss_mask.insert(row.loss_mask.end(), ex.loss_mask.begin(), ex.loss_mask.end());
      row.answer_mask.insert(row.answer_mask.end(), ex.answer_mask.begin(), ex.answer_mask.end());
    }
  }
  return batch;
}

}  // namespace fl
