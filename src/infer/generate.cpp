#include "infer/generate.h"

#include "core/error.h"

namespace fl {

std::vector<std::vector<int32_t>> generate_greedy(LanguageModel& model,
                                                  const std::vector<std::vector<int32_t>>& prompts,
                                                  int64_t max_new, int32_t eos_id) {
  torch::NoGradGuard no_grad;
  const int64_t B = static_cast<int64_t>(prompts.size());
  std::vector<std::vector<int32_t>> out(B);
  if (B == 0) return out;
  const int64_t P = static_cast<int64_t>(prompts[0].size());
  require(P > 0, "generation needs a non-empty prompt");
  auto prompt = torch::empty({B, P}, torch::kInt64);
  for (int64_t b = 0; b < B; ++b) {
    require(static_cast<int64_t>(prompts[b].size()) == P, "generate_greedy: prompts of different lengths");
    for (int64_t t = 0; t < P; ++t) prompt[b][t] = prompts[b][t];
  }
  ModelCache cache = model->make_cache(B);
  torch::Tensor logits;  // (B, V)
  for (int64_t t = 0; t < P; ++t) logits = model->step(prompt.select(1, t), cache);

  std::vector<bool> done(B, false);
  int64_t remaining = B;
  for (int64_t i = 0; i < max_new && remaining > 0; ++i) {
    auto next = logits.argmax(-1);  // (B)
    auto next_a = next.accessor<int64_t, 1>();
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;
      out[b].push_back(static_cast<int32_t>(next_a[b]));
      if (next_a[b] == eos_id) done[b] = true, --remaining;
    }
    if (remaining > 0 && i + 1 < max_new) logits = model->step(next, cache);
  }
  return out;
}

}  // namespace fl
