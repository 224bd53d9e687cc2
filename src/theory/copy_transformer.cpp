#include "theory/copy_transformer.h"

#include <cmath>

#include "models/transformer.h"

namespace fl::theory {

namespace {

ModelConfig attention_config(const AttentionCopySpec& s) {
  ModelConfig c;
  c.family = ModelFamily::transformer;
  c.vocab_size = s.values + s.max_length;
  c.d_model = s.values + 2 * s.max_length;
  c.n_layer = 1;
  c.n_head = 1;
  c.pos = "learned";
  c.max_len = s.max_length;
  c.mlp_ratio = 1;
  return c;
}

double row_scale(const ModelConfig& c) {  // ρ: every input row has norm √2, so norm(h) = h / ρ
  return std::sqrt(2.0 / static_cast<double>(c.d_model) + c.norm_eps);
}

}  // namespace

double theorem2_logit_scale(int64_t n, double epsilon) {
  return std::log(static_cast<double>(n - 1) * (1 - epsilon) / epsilon);
}

AttentionCopy::AttentionCopy(const AttentionCopySpec& spec) : spec_(spec) {
  const int64_t V = spec.values, N = spec.max_length;
  const auto c = attention_config(spec);
  const int64_t D = c.d_model;
  const double rho = row_scale(c);
  model_ = LanguageModel(c);
  model_->to(spec.dtype);
  torch::NoGradGuard no_grad;
  for (auto& p : model_->parameters()) p.zero_();  // biases and the MLP stay 0
  auto params = model_->named_parameters();
  auto eye = [](int64_t n) { return torch::eye(n, torch::kFloat64); };
  params["backbone.embedding.weight"].narrow(0, 0, V).narrow(1, 0, V).copy_(eye(V));            // write v → e_v
  params["backbone.embedding.weight"].narrow(0, V, N).narrow(1, V + N, N).copy_(eye(N));        // query p → e_{V+N+p}
  params["backbone.pos_embedding.weight"].narrow(1, V, N).copy_(eye(N));                        // position t → e_{V+t}
  params["backbone.norm_f.weight"].fill_(1);

  auto& block = dynamic_cast<TransformerBlock&>(model_->layer(0));
  block.norm->weight.fill_(1);
  block.norm2->weight.fill_(1);
  auto& w_in = block.mixer->in_proj->weight;                         // (3D, D) rows [q; k; v]
  w_in.narrow(0, D, N).narrow(1, V, N).copy_(eye(N) * rho);          // k_j = e_j (own position)
  w_in.narrow(0, 2 * D, V).narrow(1, 0, V).copy_(eye(V) * rho);      // v_j = e_{v_j}
  block.mixer->out_proj->weight.narrow(0, 0, V).narrow(1, 0, V).copy_(eye(V));  // value head dims → value dims
  set_logit_scale(spec.logit_scale);
}

void AttentionCopy::set_logit_scale(double beta) {
  torch::NoGradGuard no_grad;
  spec_.logit_scale = beta;
  const auto c = attention_config(spec_);
  const int64_t V = spec_.values, N = spec_.max_length, D = c.d_model;
  auto& block = dynamic_cast<TransformerBlock&>(model_->layer(0));
  const double scale = beta * std::sqrt(static_cast<double>(D)) * row_scale(c);  // q_i = β√hd e_{p(i)}
  block.mixer->in_proj->weight.narrow(0, 0, N).narrow(1, V + N, N).copy_(torch::eye(N, torch::kFloat64) * scale);
}

torch::Tensor AttentionCopy::tokens(const std::vector<CopySequence>& seqs) const {
  const int64_t B = static_cast<int64_t>(seqs.size()), T = seqs.at(0).length();
  auto out = torch::empty({B, T}, torch::kInt64);  // (B, T)
  auto acc = out.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      acc[b][t] = seqs[b].is_query(t) ? spec_.values + seqs[b].source[t] : seqs[b].value[t];
  return out;
}

torch::Tensor AttentionCopy::read_forward(const torch::Tensor& tokens) {
  return value_block_forward(model_, tokens, spec_.values);
}

torch::Tensor AttentionCopy::read_step(const torch::Tensor& tokens) {
  return value_block_step(model_, tokens, spec_.values);
}

double AttentionCopy::max_error(const std::vector<CopySequence>& seqs) {
  const auto worst = errors_by_distance(read_forward(tokens(seqs)), seqs);
  return max_over(worst, 0, static_cast<int64_t>(worst.size()) - 1);
}

double AttentionCopy::needed_logit_scale(int64_t n, double epsilon) {
  const std::vector<CopySequence> worst{attention_worst_case(n)};
  double lo = 0, hi = theorem2_logit_scale(n, epsilon) + 10;  // error(lo) > ε ≥ error(hi)
  while (hi - lo > 1e-12 * hi) {
    const double mid = (lo + hi) / 2;
    set_logit_scale(mid);
    (max_error(worst) <= epsilon ? hi : lo) = mid;
  }
  set_logit_scale(hi);
  return hi;
}

}  // namespace fl::theory
