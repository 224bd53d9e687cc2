#include "tasks/lookup.h"

#include <algorithm>

#include "core/error.h"

namespace fl {

namespace {
std::vector<std::string> lookup_vocab(int64_t values, int64_t length) {
  std::vector<std::string> names = {"*", "$", "|", "."};
  for (int64_t v = 0; v < values; ++v) names.push_back("v" + std::to_string(v));
  for (int64_t p = 1; p <= length; ++p) names.push_back("@" + std::to_string(p));
  return names;
}
}  // namespace

LookupTask::LookupTask(int64_t values, int64_t length, int64_t distance, int64_t queries)
    : values_(values), length_(length), distance_(distance), queries_(queries), vocab_(lookup_vocab(values, length)) {
  require(values >= 2, "task.vocab = " + std::to_string(values) + " must be at least 2");
  require(length >= 1, "task.length = " + std::to_string(length) + " must be at least 1");
  require(queries >= 1, "task.queries = " + std::to_string(queries) + " must be at least 1");
  require(min_distance() <= max_distance(),
          "task.queries = " + std::to_string(queries) + " needs task.length >= " + std::to_string(2 * queries - 1) +
              " (every query of an example copies from the same distance L in [2*queries+1, length+2]); got "
              "task.length = " + std::to_string(length));
  require(distance == 0 || (distance >= min_distance() && distance <= max_distance()),
          "task.distance = " + std::to_string(distance) + " is outside the possible distances " +
              std::to_string(min_distance()) + ".." + std::to_string(max_distance()) + " for task.length = " +
              std::to_string(length) + " and task.queries = " + std::to_string(queries) + " (0 = uniform)");
}

std::vector<ParamSpec> LookupTask::specs() {
  return {
      {"task.vocab", Kind::Int, 16, "number of value tokens v0..v(V-1) in the sequence", 2, 100000},
      {"task.length", Kind::Int, 32, "sequence length n (one position token @1..@n each)", 1, 100000},
      {"task.distance", Kind::Int, 0, "copy distance L of every query (0 = uniform over 2*queries+1..length+2)", 0,
       100002},
      {"task.queries", Kind::Int, 4, "queries per example", 1, 50000},
  };
}

std::unique_ptr<Task> LookupTask::create(const ParamValues& p) {
  return std::make_unique<LookupTask>(p.get_int("task.vocab"), p.get_int("task.length"), p.get_int("task.distance"),
                                      p.get_int("task.queries"));
}

std::vector<int64_t> LookupTask::default_eval_sizes() const {
  // The ends of the distance range, the powers of two between them and the trained distance.
  std::vector<int64_t> sizes = {min_distance()};
  for (int64_t d = 1; d < max_distance(); d *= 2)
    if (d > min_distance()) sizes.push_back(d);
  sizes.push_back(max_distance());
  if (distance_ > 0) sizes.push_back(distance_);
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

Example LookupTask::sample(Rng& rng) const {
  return sample_at(rng, distance_ > 0 ? distance_ : rng.uniform_int(min_distance(), max_distance()));
}

// "$ x_1 … x_n |", two tokens per query, "." (the same at every distance).
int64_t LookupTask::longest_example() const { return length_ + 2 * queries_ + 3; }

Example LookupTask::sample_at(Rng& rng, int64_t distance) const {
  require(distance >= min_distance() && distance <= max_distance(),
          "lookup: distance " + std::to_string(distance) + " is outside " + std::to_string(min_distance()) + ".." +
              std::to_string(max_distance()) + " (set by task.length and task.queries)");
  const int64_t n = length_;
  Example ex;
  ex.size = distance;
  ex.tokens.push_back(kBos);
  for (int64_t i = 0; i < n; ++i) ex.tokens.push_back(value_id(rng.uniform_int(0, values_ - 1)));
  ex.tokens.push_back(kSep);
  ex.prompt_len = static_cast<int64_t>(ex.tokens.size());  // "$ x |"
  ex.loss_mask.assign(ex.tokens.size(), 0);
  ex.answer_mask.assign(ex.tokens.size(), 0);
  for (int64_t k = 0; k < queries_; ++k) {
    const int64_t source = n + 3 + 2 * k - distance;  // index of x_p, = p
    ex.tokens.push_back(position_id(source));
    ex.loss_mask.push_back(0), ex.answer_mask.push_back(0);
    ex.tokens.push_back(ex.tokens[source]);
    ex.loss_mask.push_back(1), ex.answer_mask.push_back(1);
  }
  ex.tokens.push_back(kEos);
  ex.loss_mask.push_back(1), ex.answer_mask.push_back(0);
  return ex;
}

Verdict LookupTask::verify(const Example& example, const std::vector<int32_t>& generated) const {
  // Walks the expected layout: each query must be the environment's, each answer the value at
  // the position the query names (read from the prompt); then "." ends the sequence.
  const auto expected = expected_output(example);
  const int32_t first_position = position_id(1);
  const auto value_at = [&](int32_t query) -> int32_t {
    const int64_t p = static_cast<int64_t>(query) - first_position + 1;
    if (p < 1 || p > length_ || p >= example.prompt_len) return -1;
    return example.tokens[p];
  };
  bool answers = true;
  for (size_t i = 0; answers && i + 1 < expected.size(); i += 2)
    answers = i + 1 < generated.size() && generated[i] == expected[i] && value_at(generated[i]) >= 0 &&
              generated[i + 1] == value_at(generated[i]);
  const bool whole = answers && generated.size() == expected.size() && generated.back() == kEos;
  return {answers, whole};
}

std::string LookupTask::describe() const {
  const std::string dist = distance_ > 0 ? std::to_string(distance_)
                                         : std::to_string(min_distance()) + ".." + std::to_string(max_distance());
  return "lookup: '$ x_1..x_n | @p a ... .' with n = " + std::to_string(length_) + " values from " +
         std::to_string(values_) + ", " + std::to_string(queries_) + " queries per example, each copying x_p from " +
         "distance " + dist + "; loss on the answers and '.'";
}

}  // namespace fl
