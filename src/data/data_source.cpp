#include "data/data_source.h"

#include <cstring>
#include <type_traits>
#include <unordered_set>

#include "core/error.h"
#include "core/memory_budget.h"

namespace fl {

namespace {

// Rng keeps its whole state in four uint64 words (xoshiro256**); they are copied as bytes.
static_assert(std::is_trivially_copyable_v<Rng> && sizeof(Rng) == 4 * sizeof(uint64_t));

Json rng_words(const Rng& rng) {
  uint64_t words[4];
  std::memcpy(words, &rng, sizeof words);
  return Json{words[0], words[1], words[2], words[3]};
}

void set_rng_words(Rng& rng, const Json& j) {
  uint64_t words[4];
  for (int i = 0; i < 4; ++i) words[i] = j.at(i).get<uint64_t>();
  std::memcpy(&rng, words, sizeof words);
}

Json example_json(const Example& ex) {
  return {{"tokens", ex.tokens}, {"loss_mask", ex.loss_mask}, {"answer_mask", ex.answer_mask},
          {"prompt_len", ex.prompt_len}, {"size", ex.size}};
}

Example example_from_json(const Json& j) {
  Example ex;
  j.at("tokens").get_to(ex.tokens);
  j.at("loss_mask").get_to(ex.loss_mask);
  j.at("answer_mask").get_to(ex.answer_mask);
  ex.prompt_len = j.at("prompt_len").get<int64_t>();
  ex.size = j.at("size").get<int64_t>();
  return ex;
}

}  // namespace

DataSource::DataSource(const Task& task, std::vector<const EvalSet*> held_out, int64_t fixed_samples,
                       uint64_t seed)
    : task_(task), held_out_(std::move(held_out)), data_rng_(seed, kStreamTrainData), shuffle_rng_(seed, kStreamShuffle) {
  if (fixed_samples == 0) return;
  {  // up front, from a few examples drawn from a copy of the stream (the set stays the same)
    constexpr int kProbes = 8;
    Rng probe = data_rng_;
    double bytes = 0;
    for (int i = 0; i < kProbes; ++i) bytes += task.sample(probe).memory_bytes();
    require_within_memory(bytes / kProbes * static_cast<double>(fixed_samples),
                          "train.samples = " + std::to_string(fixed_samples) + " (a fixed training set held in memory)",
                          "lower train.samples (0 = fresh examples every step)");
  }
  std::unordered_set<std::string> seen;
  for (int64_t attempts = 0; static_cast<int64_t>(fixed_.size()) < fixed_samples; ++attempts) {
    require(attempts < 20 * fixed_samples + 1000,
            "train.samples = " + std::to_string(fixed_samples) + " distinct examples outside the evaluation set and validation split "
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
                                     "' keeps producing evaluation (or validation) examples: its training distribution "
                                     "is too small for eval.samples; lower eval.samples (and eval.validation) or "
                                     "widen the task");
    Example ex = task_.sample(data_rng_);
    if (!held_out(ex.tokens)) return ex;
    ++rejected_;
  }
}

bool DataSource::held_out(const std::vector<int32_t>& tokens) const {
  for (const EvalSet* set : held_out_)
    if (set->contains(tokens)) return true;
  return false;
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

Json DataSource::position() const {
  return {{"data_rng", rng_words(data_rng_)}, {"shuffle_rng", rng_words(shuffle_rng_)}, {"order", order_},
          {"cursor", cursor_}, {"rejected", rejected_},
          {"pending", pending_ ? example_json(*pending_) : Json(nullptr)}};
}

void DataSource::seek(const Json& position, const std::string& source) {
  try {
    auto order = position.at("order").get<std::vector<size_t>>();
    const auto cursor = position.at("cursor").get<size_t>();
    require(order.size() == fixed_.size() && cursor <= order.size(),
            source + ": the data position does not fit this training set (" + std::to_string(order.size()) +
                " examples recorded, " + std::to_string(fixed_.size()) + " drawn)");
    for (const size_t i : order) require(i < fixed_.size(), source + ": the data order is out of range");
    set_rng_words(data_rng_, position.at("data_rng"));
    set_rng_words(shuffle_rng_, position.at("shuffle_rng"));
    order_ = std::move(order);
    cursor_ = cursor;
    rejected_ = position.at("rejected").get<int64_t>();
    pending_.reset();
    if (!position.at("pending").is_null()) pending_ = example_from_json(position.at("pending"));
  } catch (const Json::exception& e) {
    throw Error(source + ": malformed data position: " + e.what());
  }
}

}  // namespace fl
