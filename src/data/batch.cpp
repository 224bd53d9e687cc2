#include "data/batch.h"

namespace fl {

Batch make_batch(const std::vector<Example>& examples, int32_t pad_id) {
  int64_t T = 0;
  for (const auto& ex : examples) T = std::max<int64_t>(T, static_cast<int64_t>(ex.tokens.size()));
  const int64_t B = static_cast<int64_t>(examples.size());
  Batch batch;
  batch.inputs = torch::full({B, T - 1}, pad_id, torch::kInt64);
  batch.targets = torch::full({B, T - 1}, pad_id, torch::kInt64);
  batch.mask = torch::zeros({B, T - 1}, torch::kBool);
  batch.answer = torch::zeros({B, T - 1}, torch::kBool);
  auto in = batch.inputs.accessor<int64_t, 2>();
  auto out = batch.targets.accessor<int64_t, 2>();
  auto m = batch.mask.accessor<bool, 2>();
  auto a = batch.answer.accessor<bool, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& ex = examples[b];
    const int64_t n = static_cast<int64_t>(ex.tokens.size());
    for (int64_t t = 0; t + 1 < n; ++t) {
      in[b][t] = ex.tokens[t];
      out[b][t] = ex.tokens[t + 1];
      m[b][t] = ex.loss_mask[t + 1] != 0;
      a[b][t] = !ex.answer_mask.empty() && ex.answer_mask[t + 1] != 0;
    }
    batch.tokens += n - 1;
  }
  return batch;
}

torch::Tensor masked_cross_entropy(const torch::Tensor& logits, const Batch& batch) {
  auto flat_mask = batch.mask.reshape({-1});
  auto picked = logits.reshape({-1, logits.size(-1)}).index({flat_mask});  // (n_targets, V)
  return torch::nn::functional::cross_entropy(picked, batch.targets.reshape({-1}).index({flat_mask}));
}

}  // namespace fl
