#include "theory/copy_mamba.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/mamba.h"

namespace fl::theory {

namespace {

constexpr double kActivation = 64;  // s: pre-activation of an active x channel; SiLU(64) = 64 (1 − 1.6e-28)
constexpr double kDt = 24;          // dt_proj bias: softplus is the identity above 20, so dt = 24 exactly
constexpr double kGateMin = 40;     // smallest gate input: SiLU(z) = z (1 − e^{−z}…) = z to 4e-18 for z ≥ 40
constexpr double kNoDecayALog = -1000;  // A = −exp(−1000) = −0: a = exp(dt·A) = 1 exactly
constexpr int64_t kConv = 4;

ModelConfig mamba_config(const MambaCopySpec& s) {
  ModelConfig c;
  c.family = ModelFamily::mamba;
  c.d_model = s.values + s.slots + 2;
  c.vocab_size = s.values * s.slots + s.slots * (s.max_length - 1);
  c.n_layer = 1;
  c.d_state = s.slots;
  c.d_conv = kConv;
  c.expand = 1;
  c.dt_rank = 1;
  return c;
}

}  // namespace

double decay_for_error(double epsilon, int64_t slots) {
  return std::pow(epsilon / (1 + epsilon), 1.0 / static_cast<double>(slots));
}

MambaCopy::MambaCopy(const MambaCopySpec& spec) : spec_(spec) {
  const int64_t V = spec.values, S = spec.slots, N = spec.max_length;
  const double a = spec.decay;
  const auto c = mamba_config(spec);
  const int64_t D = c.d_model, Di = c.d_inner(), R = c.dt_rank, cos_dim = V + S, sin_dim = V + S + 1;
  model_ = LanguageModel(c);
  model_->to(spec.dtype);
  torch::NoGradGuard no_grad;
  for (auto& p : model_->parameters()) p.zero_();
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);

  auto E = torch::zeros({c.vocab_size, D}, f64);  // (vocab, D)
  auto e = E.accessor<double, 2>();
  for (int64_t n = 0; n < S; ++n) {
    for (int64_t v = 0; v < V; ++v) e[write_token(v, n)][v] = 1, e[write_token(v, n)][V + n] = 1;
    for (int64_t L = 2; L <= N; ++L) {
      const int64_t q = query_token(n, n + L - 1);
      const double sin_phi = std::pow(a, static_cast<double>(N - L));
      e[q][V + n] = 1, e[q][cos_dim] = std::sqrt(1 - sin_phi * sin_phi), e[q][sin_dim] = sin_phi;
    }
  }
  auto params = model_->named_parameters();
  params["backbone.embedding.weight"].copy_(E);
  params["backbone.norm_f.weight"].fill_(1);

  auto& block = dynamic_cast<MambaBlock&>(model_->layer(0));
  block.norm->weight.fill_(1);
  auto& m = *block.mixer;
  const double rho = std::sqrt(2.0 / static_cast<double>(D) + c.norm_eps);  // norm(h) = h / ρ for every row
  const double gate_scale = kGateMin * std::pow(a, -static_cast<double>(N - 2));  // Z: z = Z sin φ_L ≥ 40

  auto in = torch::zeros({2 * Di, D}, f64);  // (2Di, D) rows [x; z]
  auto w_in = in.accessor<double, 2>();
  for (int64_t ch = 0; ch < V + S; ++ch) w_in[ch][ch] = kActivation * rho;
  for (int64_t ch = 0; ch < V; ++ch) w_in[Di + ch][sin_dim] = gate_scale * rho;
  m.in_proj->weight.copy_(in);
  m.conv1d->weight.select(2, kConv - 1).fill_(1);  // (Di, 1, K): the tap on the current input

  auto xp = torch::zeros({R + 2 * S, Di}, f64);  // (R + 2S, Di) rows [dt_raw; B; C]
  auto w_x = xp.accessor<double, 2>();
  for (int64_t n = 0; n < S; ++n) w_x[R + n][V + n] = 1 / kActivation, w_x[R + S + n][V + n] = 1 / kActivation;
  m.x_proj->weight.copy_(xp);
  m.dt_proj->bias.fill_(kDt);
  m.A_log.fill_(a == 1.0 ? kNoDecayALog : std::log(-std::log(a) / kDt));  // A = −exp(A_log) = ln(a) / dt

  auto out = torch::zeros({D, Di}, f64);  // (D, Di)
  auto w_out = out.accessor<double, 2>();
  for (int64_t ch = 0; ch < V; ++ch) w_out[ch][ch] = 1 / (kDt * kActivation * kGateMin * a);
  m.out_proj->weight.copy_(out);
}

int64_t MambaCopy::write_token(int64_t value, int64_t position) const {
  return (position % spec_.slots) * spec_.values + value;
}

int64_t MambaCopy::query_token(int64_t source, int64_t position) const {
  const int64_t L = position - source + 1;
  TORCH_CHECK(L >= 2 && L <= spec_.max_length, "copy distance ", L, " outside [2, ", spec_.max_length, "]");
  return spec_.values * spec_.slots + (source % spec_.slots) * (spec_.max_length - 1) + (L - 2);
}

torch::Tensor MambaCopy::tokens(const std::vector<CopySequence>& seqs) const {
  const int64_t B = static_cast<int64_t>(seqs.size()), T = seqs.at(0).length();
  auto out = torch::empty({B, T}, torch::kInt64);  // (B, T)
  auto acc = out.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      const auto& s = seqs[b];
      acc[b][t] = s.is_query(t) ? query_token(s.source[t], t) : write_token(s.value[t], t);
    }
  return out;
}

torch::Tensor MambaCopy::read_forward(const torch::Tensor& tokens) {
  return value_block_forward(model_, tokens, spec_.values);
}

torch::Tensor MambaCopy::read_step(const torch::Tensor& tokens) { return value_block_step(model_, tokens, spec_.values); }

double MambaCopy::head_accuracy(const torch::Tensor& tokens, const std::vector<CopySequence>& seqs) {
  torch::NoGradGuard no_grad;
  const int64_t B = tokens.size(0), T = tokens.size(1), vocab = model_->config().vocab_size;
  const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 25) / (T * vocab * 8));  // logits ≤ 32 MiB at a time
  int64_t queries = 0, correct = 0;
  for (int64_t b0 = 0; b0 < B; b0 += chunk) {
    const auto part = tokens.narrow(0, b0, std::min(chunk, B - b0));                   // (b, T)
    auto logits = model_->head(model_->layer(0).forward(model_->embed(part, 0)));     // (b, T, vocab)
    auto predicted = logits.narrow(-1, 0, spec_.values * spec_.slots).argmax(-1);     // (b, T)
    auto acc = predicted.accessor<int64_t, 2>();
    for (int64_t b = 0; b < part.size(0); ++b) {
      const auto& seq = seqs[b0 + b];
      for (int64_t t = 0; t < T; ++t) {
        if (!seq.is_query(t)) continue;
        ++queries;
        correct += acc[b][t] == write_token(seq.value[seq.source[t]], seq.source[t]);
      }
    }
  }
  return queries ? static_cast<double>(correct) / static_cast<double>(queries) : 0.0;
}

MambaCopy::NeededScore MambaCopy::measure_needed_score() {
  torch::NoGradGuard no_grad;
  const int64_t N = spec_.max_length;
  CopySequence seq{std::vector<int64_t>(N, -1), std::vector<int64_t>(N, 0)};
  seq.value[0] = 0, seq.source[0] = -1;  // a write of value 0 at position 0, then queries of it
  const auto tok = tokens({seq});        // (1, N)
  auto cache = model_->make_cache(1);
  auto& state = static_cast<MambaCache&>(*cache.layers[0]).ssm_state;  // (1, Di, S)
  NeededScore r{std::vector<double>(N + 1, std::numeric_limits<double>::quiet_NaN()), 1.0};
  double first = 0, previous = 0;
  for (int64_t t = 0; t < N; ++t) {
    model_->layer(0).step(model_->embed(tok.narrow(1, t, 1), t).squeeze(1), *cache.layers[0], t);
    const double now = state[0][0][0].item<double>();  // value channel 0, the source's slot 0
    if (t == 0) {
      first = previous = now;
      continue;
    }
    r.a_min = std::min(r.a_min, now / previous);
    previous = now;
    r.needed[t + 1] = first / now;  // the query at t has distance t + 1
  }
  return r;
}

}  // namespace fl::theory
