#include "theory/scan_attention.h"

#include <functional>

#include "kernels/linear_scan.h"
#include "models/linear_attention.h"
#include "models/mamba2.h"

namespace fl::theory {

HiddenAttention decayed_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& log_decay) {
  torch::NoGradGuard no_grad;
  const int64_t B = q.size(0), L = q.size(1), H = q.size(2), K = q.size(3);
  const auto decay = log_decay.defined() ? log_decay : torch::zeros({B, L, H, 1}, q.options());
  const int64_t C = decay.size(3);                                            // 1 (per head) or K
  const auto cum = torch::cumsum(decay, 1).permute({0, 2, 3, 1});            // (B, H, C, L) b_i = Σ_{r≤i} log α_r
  const auto span = cum.unsqueeze(-1) - cum.unsqueeze(-2);                    // (B, H, C, L, L) b_i − b_j
  const auto above = torch::ones({L, L}, torch::kBool).triu(1);              // (L, L) j > i
  const auto alpha = torch::exp(span).masked_fill_(above, 0);                 // (B, H, C, L, L) α_ij
  const auto qh = q.permute({0, 2, 1, 3}), kh = k.permute({0, 2, 1, 3});      // (B, H, L, K)
  auto scores = torch::zeros({B, H, L, L}, q.options());                      // (B, H, L, L)
  for (int64_t c = 0; c < K; ++c) {
    const auto qk = qh.select(3, c).unsqueeze(-1) * kh.select(3, c).unsqueeze(-2);  // (B, H, L, L) q_i[c] k_j[c]
    scores.addcmul_(alpha.select(2, C == 1 ? 0 : c), qk);
  }
  return {scores, alpha.mean({1, 2})};
}

torch::Tensor attend(const HiddenAttention& a, const torch::Tensor& v) {
  torch::NoGradGuard no_grad;
  return torch::matmul(a.scores, v.permute({0, 2, 1, 3})).permute({0, 2, 1, 3});  // (B, L, H, V)
}

namespace {

// One layer's maps from its scan operands q, k, v, log_decay (B, L, H, ·), and the two checks: y
// rebuilt from the maps (plus `skip`, Mamba-2's D·x; undefined for none) against the kernel, and
// mixer_output(y) against the layer's own mixer output `mixer_out`.
LayerAttention layer_attention(int64_t layer, const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& log_decay, const torch::Tensor& skip,
                               const std::function<torch::Tensor(const torch::Tensor&)>& mixer_output,
                               const torch::Tensor& mixer_out) {
  LayerAttention r;
  r.layer = layer;
  r.maps = decayed_attention(q, k, log_decay);
  const auto with_skip = [&](const torch::Tensor& y) { return skip.defined() ? y + skip : y; };
  const auto rebuilt = with_skip(attend(r.maps, v));                          // (B, L, H, V)
  r.scan_error = relative_error(rebuilt, with_skip(kernels::linear_scan(q, k, v, log_decay)));
  r.mixer_error = relative_error(mixer_output(rebuilt), mixer_out);
  r.decay = distance_profile(r.maps.alpha_mean);
  return r;
}

LayerAttention mamba2_layer(Mamba2Block& block, int64_t layer, const torch::Tensor& h) {
  auto& m = *block.mixer;
  const auto u = block.norm(h);                                               // (B, L, D)
  const auto s = m.scan_operands(u);
  return layer_attention(
      layer, s.q, s.k, s.v, s.log_decay, s.x * m.D.unsqueeze(-1),            // skip (B, L, Hm, P)
      [&](const torch::Tensor& y) { return m.out_proj(m.norm(y.flatten(2), s.z)); }, m.forward(u));
}

LayerAttention linear_layer(LinearAttentionBlock& block, int64_t layer, const torch::Tensor& h) {
  auto& m = *block.mixer;
  const auto u = block.norm(h);                                               // (B, L, D)
  const auto op = m.operands(u);
  return layer_attention(
      layer, op.q, op.k, op.v, op.log_decay, torch::Tensor(),
      [&](const torch::Tensor& y) { return m.output(y, u); }, m.forward(u));
}

}  // namespace

LayerAttention analyse_scan_layer(Block& block, ModelFamily family, int64_t layer, const torch::Tensor& h) {
  torch::NoGradGuard no_grad;
  if (family == ModelFamily::mamba2) return mamba2_layer(dynamic_cast<Mamba2Block&>(block), layer, h);
  return linear_layer(dynamic_cast<LinearAttentionBlock&>(block), layer, h);
}

}  // namespace fl::theory
