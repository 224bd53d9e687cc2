#include "infer/generate.h"

#include "core/error.h"

namespace fl {

std::vector<std::vector<int32_t>> decode_greedy(LanguageModel& model, const std::vector<DecodeRequest>& requests,
                                                int32_t eos_id) {
  torch::NoGradGuard no_grad;
  const int64_t B = static_cast<int64_t>(requests.size());
  std::vector<std::vector<int32_t>> out(B);
  if (B == 0) return out;
  const int64_t P = static_cast<int64_t>(requests[0].prompt.size());
  require(P > 0, "generation needs a non-empty prompt");
  int64_t longest = 0;
  auto prompt = torch::empty({B, P}, torch::kInt64);  // (B, P)
  auto prompt_a = prompt.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b) {
    TORCH_CHECK(static_cast<int64_t>(requests[b].prompt.size()) == P, "decode_greedy: prompts of different lengths");
    for (int64_t t = 0; t < P; ++t) prompt_a[b][t] = requests[b].prompt[t];
    longest = std::max<int64_t>(longest, static_cast<int64_t>(requests[b].given.size()));
  }
  ModelCache cache = model->make_cache(B);
  torch::Tensor logits;  // (B, V)
  for (int64_t t = 0; t < P; ++t) logits = model->step(prompt.select(1, t), cache);

  std::vector<bool> done(B, false);
  int64_t remaining = B;
  for (int64_t t = 0; t < longest && remaining > 0; ++t) {
    auto next = logits.argmax(-1);  // (B) the model's choice, overridden where the environment speaks
    auto next_a = next.accessor<int64_t, 1>();
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;
      const auto& given = requests[b].given;
      const bool from_model = given[t] == kModelToken;
      if (!from_model) next_a[b] = given[t];
      out[b].push_back(static_cast<int32_t>(next_a[b]));
      if ((from_model && next_a[b] == eos_id) || t + 1 == static_cast<int64_t>(given.size())) done[b] = true, --remaining;
    }
    if (remaining > 0) logits = model->step(next, cache);
  }
  return out;
}

std::vector<int32_t> generate_greedy(LanguageModel& model, const std::vector<int32_t>& prompt, int64_t max_new,
                                     int32_t eos_id) {
  return decode_greedy(model, {{prompt, std::vector<int32_t>(max_new, kModelToken)}}, eos_id)[0];
}

}  // namespace fl
