#include "infer/generate.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "core/error.h"
#include "infer/stepper.h"

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
  for (int64_t b = 0; b < B; ++b) {
    TORCH_CHECK(static_cast<int64_t>(requests[b].prompt.size()) == P, "decode_greedy: prompts of different lengths");
    longest = std::max<int64_t>(longest, static_cast<int64_t>(requests[b].given.size()));
  }
  const auto stepper = make_stepper(model, B);
  std::vector<int64_t> column(B);  // (B) one position of the prompt
  for (int64_t t = 0; t < P; ++t) {
    for (int64_t b = 0; b < B; ++b) column[b] = requests[b].prompt[t];
    stepper->feed(column);
  }

  std::vector<bool> done(B, false);
  int64_t remaining = B;
  for (int64_t b = 0; b < B; ++b)
    if (requests[b].given.empty()) done[b] = true, --remaining;  // nothing to continue
  for (int64_t t = 0; t < longest && remaining > 0; ++t) {
    auto next = stepper->argmax();  // (B) the model's choice, overridden where the environment speaks
    for (int64_t b = 0; b < B; ++b) {
      if (done[b]) continue;
      const auto& given = requests[b].given;
      const bool from_model = given[t] == kModelToken;
      if (!from_model) next[b] = given[t];
      out[b].push_back(static_cast<int32_t>(next[b]));
      if ((from_model && next[b] == eos_id) || t + 1 == static_cast<int64_t>(given.size())) done[b] = true, --remaining;
    }
    if (remaining > 0) stepper->feed(next);
  }
  return out;
}

int64_t generation_room(const ModelConfig& config, int64_t prompt_length) {
  if (!config.learned_positions()) return std::numeric_limits<int64_t>::max();
  return std::max<int64_t>(0, config.max_len - prompt_length + 1);
}

Generated generate_greedy(LanguageModel& model, const std::vector<int32_t>& prompt, const FreeGeneration& options,
                          int32_t eos_id) {
  torch::NoGradGuard no_grad;
  require(!prompt.empty(), "generation needs a non-empty prompt");
  const int64_t limit = std::min(options.max_new, generation_room(model->config(), static_cast<int64_t>(prompt.size())));
  const auto stepper = make_stepper(model, 1);
  for (const int32_t token : prompt) stepper->feed({token});
  Generated out;
  while (static_cast<int64_t>(out.tokens.size()) < limit) {
    const bool eos_allowed = static_cast<int64_t>(out.tokens.size()) >= options.min_new;
    const int64_t next = stepper->argmax(eos_allowed ? -1 : eos_id)[0];
    out.tokens.push_back(static_cast<int32_t>(next));
    if (next == eos_id && !options.ignore_eos) return out;
    if (static_cast<int64_t>(out.tokens.size()) < limit) stepper->feed({next});
  }
  out.reached_max_len = limit < options.max_new;
  return out;
}

}  // namespace fl
