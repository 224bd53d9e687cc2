#include "theory/pointer_dp_task.h"

#include <string>

#include "core/error.h"

namespace fl::theory {

namespace {

constexpr int64_t kMaxSteps = 64, kMaxModulus = 100;  // the vocabulary holds p·N(N+1)/2 inputs

int64_t inputs_before_step(int64_t step, int64_t p) { return p * (step - 1) * step / 2; }  // steps 1 … step−1

std::vector<std::string> pointer_dp_vocab(int64_t max_n, int64_t p) {
  require(max_n >= 1 && max_n <= kMaxSteps,
          "pointer_dp: n = " + std::to_string(max_n) + " is outside 1.." + std::to_string(kMaxSteps));
  require(p >= 2 && p <= kMaxModulus,
          "pointer_dp: modulus = " + std::to_string(p) + " is outside 2.." + std::to_string(kMaxModulus));
  std::vector<std::string> names = {"*", "$", "|", "."};
  for (int64_t i = 1; i <= max_n; ++i)
    for (int64_t r = 0; r < i; ++r)
      for (int64_t v = 0; v < p; ++v)
        names.push_back("s" + std::to_string(v) + "@" + std::to_string(i) + "r" + std::to_string(r));
  for (int64_t v = 0; v < p; ++v) names.push_back(std::to_string(v));
  return names;
}

}  // namespace

PointerDpTask::PointerDpTask(int64_t max_n, int64_t modulus)
    : max_n_(max_n),
      modulus_(modulus),
      first_result_(kFirstInput + inputs_before_step(max_n + 1, modulus)),
      vocab_(pointer_dp_vocab(max_n, modulus)) {}

std::vector<int64_t> PointerDpTask::default_eval_sizes() const {
  std::vector<int64_t> sizes;
  for (int64_t n = 1; n <= max_n_; ++n) sizes.push_back(n);
  return sizes;
}

int32_t PointerDpTask::input_id(const Input& in) const {
  return static_cast<int32_t>(kFirstInput + inputs_before_step(in.step, modulus_) + in.pointer * modulus_ + in.value);
}

PointerDpTask::Input PointerDpTask::input_of(int32_t id) const {
  int64_t offset = id - kFirstInput, step = 1;
  while (inputs_before_step(step + 1, modulus_) <= offset) ++step;
  offset -= inputs_before_step(step, modulus_);
  return {step, offset / modulus_, offset % modulus_};
}

std::vector<int64_t> PointerDpTask::solve(const std::vector<int64_t>& inputs,
                                          const std::vector<int64_t>& pointers) const {
  std::vector<int64_t> dp(inputs.size() + 1, 0);  // dp[0] = dp_0 = 0
  for (size_t i = 1; i <= inputs.size(); ++i) dp[i] = (dp[i - 1] + dp[pointers[i - 1]] + inputs[i - 1]) % modulus_;
  return {dp.begin() + 1, dp.end()};
}

Example PointerDpTask::example(const std::vector<int64_t>& inputs, const std::vector<int64_t>& pointers) const {
  const int64_t n = static_cast<int64_t>(inputs.size());
  require(n >= 1 && n <= max_n_, "pointer_dp: n = " + std::to_string(n) + " is outside 1.." + std::to_string(max_n_));
  require(pointers.size() == inputs.size(), "pointer_dp: one pointer per input is needed");
  for (int64_t i = 1; i <= n; ++i) {
    require(inputs[i - 1] >= 0 && inputs[i - 1] < modulus_, "pointer_dp: input out of range at step " + std::to_string(i));
    require(pointers[i - 1] >= 0 && pointers[i - 1] < i,
            "pointer_dp: step " + std::to_string(i) + " must point to 0.." + std::to_string(i - 1));
  }
  const auto dp = solve(inputs, pointers);
  Example ex;
  ex.size = n;
  ex.prompt_len = 1;  // "$"
  const auto push = [&](int32_t token, uint8_t loss, uint8_t answer) {
    ex.tokens.push_back(token), ex.loss_mask.push_back(loss), ex.answer_mask.push_back(answer);
  };
  push(kBos, 0, 0);
  for (int64_t i = 1; i <= n; ++i) {
    push(input_id({i, pointers[i - 1], inputs[i - 1]}), 0, 0);
    push(result_id(dp[i - 1]), 1, i == n);
  }
  push(kEos, 1, 0);
  return ex;
}

Example PointerDpTask::sample(Rng& rng) const { return sample_at(rng, rng.uniform_int(1, max_n_)); }

Example PointerDpTask::sample_at(Rng& rng, int64_t n) const {
  auto [inputs, pointers] = draw(rng, n);
  return example(inputs, pointers);
}

Example PointerDpTask::sample_reaching(Rng& rng, int64_t n, int64_t last_pointer) const {
  auto [inputs, pointers] = draw(rng, n);
  pointers.back() = last_pointer;
  return example(inputs, pointers);
}

std::pair<std::vector<int64_t>, std::vector<int64_t>> PointerDpTask::draw(Rng& rng, int64_t n) const {
  require(n >= 1 && n <= max_n_, "pointer_dp: n = " + std::to_string(n) + " is outside 1.." + std::to_string(max_n_));
  std::vector<int64_t> inputs(n), pointers(n);
  for (int64_t i = 1; i <= n; ++i) inputs[i - 1] = rng.uniform_int(0, modulus_ - 1), pointers[i - 1] = rng.uniform_int(0, i - 1);
  return {inputs, pointers};
}

Verdict PointerDpTask::verify(const Example& example, const std::vector<int32_t>& generated) const {
  // The problem is read back from the example's inputs; layout "q_1 dp_1 … q_n dp_n .".
  std::vector<int64_t> inputs, pointers;
  std::vector<int32_t> input_tokens;
  for (int32_t t : example.tokens)
    if (is_input(t)) {
      const Input in = input_of(t);
      if (in.pointer > static_cast<int64_t>(inputs.size())) return {};  // names a step not yet taken
      inputs.push_back(in.value), pointers.push_back(in.pointer), input_tokens.push_back(t);
    }
  if (inputs.empty()) return {};
  const auto dp = solve(inputs, pointers);
  const size_t n = dp.size();
  bool chain = true, answer = false;
  for (size_t i = 0; i < n; ++i) {
    if (2 * i + 1 >= generated.size() || generated[2 * i] != input_tokens[i]) return {};
    const bool right = generated[2 * i + 1] == result_id(dp[i]);
    chain = chain && right;
    if (i + 1 == n) answer = right;
  }
  return {answer, chain && generated.size() == 2 * n + 1 && generated[2 * n] == kEos};
}

std::string PointerDpTask::describe() const {
  return "pointer_dp ('$ q_1 dp_1 ... q_n dp_n .', q_i = s_i@i r_i): dp_i = (dp_{i-1} + dp_{r_i} + s_i) mod " +
         std::to_string(modulus_) + ", r_i uniform in 0..i-1, n = 1.." + std::to_string(max_n_);
}

}  // namespace fl::theory
