#include "theory/copy_sequences.h"

#include <cmath>

namespace fl::theory {

std::vector<CopySequence> distance_sweep(int64_t T, int64_t values, int64_t samples, Rng& rng) {
  std::vector<CopySequence> out;
  out.reserve(static_cast<size_t>(samples * (T - 1)));
  for (int64_t s = 0; s < samples; ++s) {
    for (int64_t L = 2; L <= T; ++L) {
      const int64_t last = T - 1, last_source = last - L + 1;
      CopySequence seq{std::vector<int64_t>(T, -1), std::vector<int64_t>(T, -1)};
      std::vector<int64_t> writes;  // positions written so far
      for (int64_t t = 0; t < last; ++t) {
        const bool query = t > 0 && t != last_source && rng.uniform() < 0.5;
        if (query) {
          seq.source[t] = writes[rng.uniform_int(0, static_cast<int64_t>(writes.size()) - 1)];
        } else {
          seq.value[t] = rng.uniform_int(0, values - 1);
          writes.push_back(t);
        }
      }
      seq.source[last] = last_source;
      out.push_back(std::move(seq));
    }
  }
  return out;
}

CopySequence attention_worst_case(int64_t T) {
  CopySequence seq{std::vector<int64_t>(T, 1), std::vector<int64_t>(T, -1)};
  seq.value[0] = 0;
  seq.value[T - 1] = -1;
  seq.source[T - 1] = 0;
  return seq;
}

torch::Tensor value_block_forward(LanguageModel& model, const torch::Tensor& tokens, int64_t width) {
  torch::NoGradGuard no_grad;
  auto out = model->layer(0).forward(model->embed(tokens, 0));      // (B, T, D)
  return out.narrow(-1, 0, width).to(torch::kFloat64).contiguous();  // (B, T, width)
}

torch::Tensor value_block_step(LanguageModel& model, const torch::Tensor& tokens, int64_t width) {
  torch::NoGradGuard no_grad;
  auto cache = model->make_cache(tokens.size(0));
  std::vector<torch::Tensor> rows;
  for (int64_t t = 0; t < tokens.size(1); ++t) {
    auto h = model->embed(tokens.narrow(1, t, 1), t).squeeze(1);  // (B, D)
    rows.push_back(model->layer(0).step(h, *cache.layers[0], t).narrow(-1, 0, width));
  }
  return torch::stack(rows, 1).to(torch::kFloat64).contiguous();  // (B, T, width)
}

std::vector<double> errors_by_distance(const torch::Tensor& read, const std::vector<CopySequence>& seqs) {
  const int64_t B = read.size(0), T = read.size(1), V = read.size(2);
  TORCH_CHECK(B == static_cast<int64_t>(seqs.size()) && read.scalar_type() == torch::kFloat64 && read.is_contiguous(),
              "errors_by_distance: read must be contiguous float64 (B, T, V) with one sequence per row");
  const double* r = read.data_ptr<double>();  // (B, T, V)
  std::vector<double> worst(T + 1, -1);
  for (int64_t b = 0; b < B; ++b) {
    const auto& seq = seqs[b];
    for (int64_t t = 0; t < T; ++t) {
      if (!seq.is_query(t)) continue;
      const int64_t target = seq.value[seq.source[t]];
      const double* row = r + (b * T + t) * V;
      double error = 0;
      for (int64_t c = 0; c < V; ++c) error = max_nan(error, std::abs(row[c] - (c == target ? 1.0 : 0.0)));
      worst[seq.distance(t)] = max_nan(worst[seq.distance(t)], error);
    }
  }
  return worst;
}

double max_over(const std::vector<double>& worst, int64_t lo, int64_t hi) {
  double m = -1;
  for (int64_t L = lo; L <= hi && L < static_cast<int64_t>(worst.size()); ++L) m = max_nan(m, worst[L]);
  return m;
}

}  // namespace fl::theory
