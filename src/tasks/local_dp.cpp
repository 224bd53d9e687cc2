#include "tasks/local_dp.h"

#include <algorithm>

#include "core/error.h"

namespace fl {

namespace {
constexpr int64_t kMaxSteps = 100000;  // most steps n, for training and for evaluation sizes
constexpr int64_t kMaxInputTokens = 1000000;  // p · max(P, 1): the vocabulary must stay an embedding table

std::vector<std::string> local_dp_vocab(int64_t modulus, int64_t phase) {
  std::vector<std::string> names = {"*", "$", "|", "."};
  for (int64_t k = 0; k < std::max<int64_t>(phase, 1); ++k)
    for (int64_t v = 0; v < modulus; ++v)
      names.push_back("s" + std::to_string(v) + (phase > 0 ? "@" + std::to_string(k) : ""));
  for (int64_t v = 0; v < modulus; ++v) names.push_back(std::to_string(v));
  return names;
}

std::vector<std::string> checked_vocab(int64_t modulus, int64_t phase) {
  require(phase >= 0, "task.phase = " + std::to_string(phase) + " must be at least 0 (0 = inputs carry no phase)");
  require(modulus >= 2, "task.modulus = " + std::to_string(modulus) + " must be at least 2");
  require(modulus * std::max<int64_t>(phase, 1) <= kMaxInputTokens,
          "task.modulus × task.phase = " + std::to_string(modulus) + " × " + std::to_string(phase) +
              " input tokens is more than " + std::to_string(kMaxInputTokens));
  return local_dp_vocab(modulus, phase);
}
}  // namespace

LocalDpTask::LocalDpTask(Format format, int64_t min_n, int64_t max_n, int64_t locality, int64_t modulus,
                         int64_t phase)
    : format_(format),
      min_n_(min_n),
      max_n_(max_n),
      locality_(locality),
      modulus_(modulus),
      phase_(phase),
      vocab_(checked_vocab(modulus, phase)) {
  require(min_n >= 1, "task.min_n = " + std::to_string(min_n) + " must be at least 1");
  require(min_n <= max_n,
          "task.min_n = " + std::to_string(min_n) + " is larger than task.n = " + std::to_string(max_n));
  require(locality >= 1, "task.m = " + std::to_string(locality) + " must be at least 1");
}

std::vector<ParamSpec> LocalDpTask::specs() {
  return {
      {"task.n", Kind::Int, 16, "most steps n (inputs s_1..s_n, results dp_1..dp_n)", 1, kMaxSteps},
      {"task.min_n", Kind::Int, 1, "fewest steps n", 1, kMaxSteps},
      {"task.m", Kind::Int, 2, "locality m: dp_i = (dp_{i-1} + dp_{i-m} + s_i) mod p", 1, 100000},
      {"task.modulus", Kind::Int, 10, "modulus p: inputs and results lie in 0..p-1", 2, 10000},
      {"task.format", Kind::String, "interleaved",
       "interleaved: '$ s_1 dp_1 ... s_n dp_n .'; prefix: '$ s_1 ... s_n | dp_1 ... dp_n .'", std::nullopt,
       std::nullopt, {"interleaved", "prefix"}},
      {"task.phase", Kind::Int, 0,
       "inputs carry their position mod P: s_i is the token 's{v}@{i mod P}' (0 = plain 's{v}')", 0, 100000},
  };
}

std::unique_ptr<Task> LocalDpTask::create(const ParamValues& p) {
  const std::string format = p.get_string("task.format");
  require(format == "interleaved" || format == "prefix",
          "task.format = '" + format + "' is not one of interleaved, prefix");
  return std::make_unique<LocalDpTask>(format == "prefix" ? Format::Prefix : Format::Interleaved,
                                       p.get_int("task.min_n"), p.get_int("task.n"), p.get_int("task.m"),
                                       p.get_int("task.modulus"), p.get_int("task.phase"));
}

std::vector<int64_t> LocalDpTask::default_eval_sizes() const {
  std::vector<int64_t> sizes;
  for (int64_t n = min_n_; n <= max_n_; ++n) sizes.push_back(n);
  return sizes;
}

std::vector<int64_t> LocalDpTask::solve(const std::vector<int64_t>& inputs) const {
  const int64_t n = static_cast<int64_t>(inputs.size());
  std::vector<int64_t> dp(n);
  for (int64_t i = 0; i < n; ++i) {  // dp[i] is dp_{i+1}; dp_j = 0 for j ≤ 0
    const int64_t prev = i >= 1 ? dp[i - 1] : 0, back = i >= locality_ ? dp[i - locality_] : 0;
    dp[i] = (prev + back + inputs[i]) % modulus_;
  }
  return dp;
}

Example LocalDpTask::sample(Rng& rng) const { return sample_at(rng, rng.uniform_int(min_n_, max_n_)); }

// "$ s_1 dp_1 … s_n dp_n ." or "$ s_1 … s_n | dp_1 … dp_n .".
int64_t LocalDpTask::longest_example() const { return format_ == Format::Interleaved ? 2 * max_n_ + 2 : 2 * max_n_ + 3; }

Example LocalDpTask::sample_at(Rng& rng, int64_t n) const {
  require(n >= 1 && n <= kMaxSteps,
          "local_dp: n = " + std::to_string(n) + " is outside 1.." + std::to_string(kMaxSteps));
  std::vector<int64_t> inputs(n);
  for (auto& s : inputs) s = rng.uniform_int(0, modulus_ - 1);
  const auto dp = solve(inputs);
  Example ex;
  ex.size = n;
  const auto push = [&](int32_t token, uint8_t loss, uint8_t answer) {
    ex.tokens.push_back(token), ex.loss_mask.push_back(loss), ex.answer_mask.push_back(answer);
  };
  push(kBos, 0, 0);
  if (format_ == Format::Interleaved) {
    ex.prompt_len = 1;  // "$"
    for (int64_t i = 0; i < n; ++i) push(input_id(inputs[i], i + 1), 0, 0), push(result_id(dp[i]), 1, i == n - 1);
  } else {
    for (int64_t i = 0; i < n; ++i) push(input_id(inputs[i], i + 1), 0, 0);
    push(kSep, 0, 0);
    ex.prompt_len = static_cast<int64_t>(ex.tokens.size());  // "$ s_1 … s_n |"
    for (int64_t i = 0; i < n; ++i) push(result_id(dp[i]), 1, i == n - 1);
  }
  push(kEos, 1, 0);
  return ex;
}

Verdict LocalDpTask::verify(const Example& example, const std::vector<int32_t>& generated) const {
  // The problem is read back from the example's input tokens and solved again.
  std::vector<int64_t> inputs;
  for (int32_t t : example.tokens)
    if (is_input(t)) inputs.push_back(input_value(t));
  const auto dp = solve(inputs);
  if (dp.empty()) return {};
  return format_ == Format::Interleaved ? verify_interleaved(dp, inputs, generated) : verify_prefix(dp, generated);
}

Verdict LocalDpTask::verify_interleaved(const std::vector<int64_t>& dp, const std::vector<int64_t>& inputs,
                                        const std::vector<int32_t>& generated) const {
  // Layout "s_1 dp_1 … s_n dp_n .": inputs in place, each result right, "." at the end.
  const size_t n = dp.size();
  bool chain = true, answer = false;
  for (size_t i = 0; i < n; ++i) {
    if (2 * i + 1 >= generated.size() || generated[2 * i] != input_id(inputs[i], static_cast<int64_t>(i) + 1)) {
      chain = false;
      break;
    }
    const bool right = generated[2 * i + 1] == result_id(dp[i]);
    chain = chain && right;
    if (i + 1 == n) answer = right;
  }
  const bool whole = chain && generated.size() == 2 * n + 1 && generated[2 * n] == kEos;
  return {answer, whole};
}

Verdict LocalDpTask::verify_prefix(const std::vector<int64_t>& dp, const std::vector<int32_t>& generated) const {
  // Free generation "dp_1 … dp_n .": the answer is the last result before ".", the chain must
  // parse as results only; whole = exactly the n right results then ".".
  size_t eos = 0;
  while (eos < generated.size() && generated[eos] != kEos) ++eos;
  if (eos == generated.size() || eos == 0) return {};
  for (size_t i = 0; i < eos; ++i)
    if (generated[i] < result_id(0) || generated[i] >= result_id(modulus_)) return {};
  const bool answer = generated[eos - 1] == result_id(dp.back());
  bool whole = eos == dp.size() && generated.size() == eos + 1;
  for (size_t i = 0; whole && i < eos; ++i) whole = generated[i] == result_id(dp[i]);
  return {answer, whole};
}

std::string LocalDpTask::describe() const {
  const std::string form = format_ == Format::Interleaved ? "interleaved '$ s_1 dp_1 ... s_n dp_n .'"
                                                          : "prefix '$ s_1 ... s_n | dp_1 ... dp_n .'";
  return "local_dp (" + form + "): dp_i = (dp_{i-1} + dp_{i-" + std::to_string(locality_) + "} + s_i) mod " +
         std::to_string(modulus_) + ", n = " + std::to_string(min_n_) + ".." + std::to_string(max_n_) +
         (phase_ > 0 ? ", inputs tagged with i mod " + std::to_string(phase_) : "") +
         "; loss on every dp_i and '.', answer dp_n";
}

}  // namespace fl
