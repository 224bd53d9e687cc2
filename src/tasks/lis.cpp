#include "tasks/lis.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "tasks/feng_format.h"

namespace fl {

namespace {

std::vector<std::string> lis_vocab(int64_t n_ints) {
  std::vector<std::string> names = {"<pad>", "<sep>", "<eos>"};
  for (int64_t k = 0; k < n_ints; ++k) names.push_back(std::to_string(k));
  return names;
}

// k distinct integers from [0, count), ascending (a partial Fisher–Yates shuffle).
std::vector<int64_t> sorted_sample(Rng& rng, int64_t k, int64_t count) {
  std::vector<int64_t> pool(count);
  std::iota(pool.begin(), pool.end(), 0);
  for (int64_t i = 0; i < k; ++i) std::swap(pool[i], pool[rng.uniform_int(i, count - 1)]);
  pool.resize(k);
  std::sort(pool.begin(), pool.end());
  return pool;
}

}  // namespace

LisTask::LisTask(int64_t min_n, int64_t n, const std::string& format, int64_t value_span)
    : min_n_(min_n), n_(n), cot_(format == "cot"), value_span_(value_span), vocab_(lis_vocab(n + value_span)) {
  require(format == "cot" || format == "direct", "task.format = '" + format + "' must be 'cot' or 'direct'");
  require(min_n >= 3, "task.min_n = " + std::to_string(min_n) + " is below 3 (the planted runs have total length ≥ 3)");
  require(min_n <= n, "task.min_n = " + std::to_string(min_n) + " is larger than task.n = " + std::to_string(n));
  // A single planted run of length n needs n distinct values from the value_span - 1 available.
  require(n <= value_span - 1, "task.n = " + std::to_string(n) + " needs task.value_span ≥ " + std::to_string(n + 1) +
                                   " (a planted run of n distinct values), got " + std::to_string(value_span));
}

std::vector<ParamSpec> LisTask::specs() {
  return {
      {"task.n", Kind::Int, 10, "sequence length n (the largest size)", 3, 10000},
      {"task.min_n", Kind::Int, 0, "smallest sequence length: sizes uniform in [min_n, n]; 0 = n (Feng)", 0, 10000},
      {"task.format", Kind::String, "cot", "cot: dp values then the answer; direct: the answer only", {}, {},
       {"cot", "direct"}},
      {"task.value_span", Kind::Int, 150, "values are drawn from [n+1, n+value_span) (Feng: 150)", 2, 100000},
  };
}

std::unique_ptr<Task> LisTask::create(const ParamValues& p) {
  const int64_t n = p.get_int("task.n");
  const int64_t min_n = p.get_int("task.min_n") == 0 ? n : p.get_int("task.min_n");
  return std::make_unique<LisTask>(min_n, n, p.get_string("task.format"), p.get_int("task.value_span"));
}

std::vector<int64_t> LisTask::default_eval_sizes() const {
  std::vector<int64_t> sizes;
  for (int64_t n = min_n_; n <= n_; ++n) sizes.push_back(n);
  return sizes;
}

Example LisTask::sample(Rng& rng) const { return sample_at(rng, rng.uniform_int(min_n_, n_)); }

// "a_1 … a_n <sep>", (cot) "dp_1 … dp_n <sep>", the answer and <eos>.
int64_t LisTask::longest_example() const { return cot_ ? 2 * n_ + 4 : n_ + 3; }

// Feng's get_seq: the split of `total` into runs and every draw follow LIS/data.py.
std::vector<int64_t> LisTask::draw_sequence(Rng& rng, int64_t n) const {
  const int64_t runs = rng.uniform_int(1, 3), total = rng.uniform_int(3, n);
  std::vector<int64_t> lengths;
  if (runs == 1) {
    lengths = {total};
  } else if (runs == 2) {
    const int64_t first = rng.uniform_int(1, total / 2 + 1);
    lengths = {first, total - first};
  } else {
    const int64_t first = rng.uniform_int(1, total / 3 + 1);
    const int64_t second = rng.uniform_int(1, (total - first) / 2 + 1);
    lengths = {first, second, total - first - second};  // the last run may be empty
  }
  const int64_t lo = n + 1, count = value_span_ - 1;  // values in [lo, lo + count)
  std::vector<int64_t> planted;
  for (int64_t len : lengths)
    for (int64_t v : sorted_sample(rng, len, count)) planted.push_back(lo + v);
  const std::vector<int64_t> places = sorted_sample(rng, total, n);
  std::vector<int64_t> seq(n);
  for (auto& v : seq) v = rng.uniform_int(lo, lo + count - 1);
  for (int64_t i = 0; i < total; ++i) seq[places[i]] = planted[i];
  return seq;
}

Example LisTask::sample_at(Rng& rng, int64_t n) const {
  require(n >= 3 && n <= n_, "lis: size " + std::to_string(n) + " is outside 3.." + std::to_string(n_) +
                                 " (the vocabulary covers sizes up to task.n)");
  const std::vector<int64_t> a = draw_sequence(rng, n);
  std::vector<int64_t> dp(n, 1);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < i; ++j)
      if (a[j] < a[i]) dp[i] = std::max(dp[i], dp[j] + 1);
  const int64_t answer = *std::max_element(dp.begin(), dp.end());

  Example ex;
  ex.size = n;
  for (int64_t v : a) ex.tokens.push_back(static_cast<int32_t>(kFirstInt + v));
  ex.tokens.push_back(kSep);
  ex.prompt_len = static_cast<int64_t>(ex.tokens.size());
  if (cot_) {
    for (int64_t d : dp) ex.tokens.push_back(static_cast<int32_t>(kFirstInt + d));
    ex.tokens.push_back(kSep);
  }
  ex.tokens.push_back(static_cast<int32_t>(kFirstInt + answer));
  feng::finish_example(ex, kEos);
  return ex;
}

Verdict LisTask::verify(const Example& example, const std::vector<int32_t>& generated) const {
  return feng::verify(*this, example, generated, kSep, kEos);
}

std::string LisTask::describe() const {
  const std::string sizes = feng::size_range(min_n_, n_);
  return std::string("lis (") + (cot_ ? "cot" : "direct") + "): n = " + sizes + ", values from [n+1, n+" +
         std::to_string(value_span_) + ")" + (cot_ ? ", '<sep> dp_1 … dp_n <sep> ans <eos>'" : ", '<sep> ans <eos>'");
}

}  // namespace fl
