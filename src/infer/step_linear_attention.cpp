// One linear-attention block of the step engine (math in step_engine.h; the model:
// ModelFamily::linear's block in src/models/). q, k, v, g (and GLA's rank-r gate input) come out
// of one gemv over the concatenated weights. Per head the state S (hd, hd) is keys × values, so
// one pass over its rows both decays and writes it (S[i, :] = α_i S[i, :] + k_i v) and reads it
// (o += q_i S[i, :]): hd contiguous floats per row, vectorised without horizontal sums.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "infer/step_engine.h"
#include "kernels/gemv.h"
#include "kernels/vector_math.h"

namespace fl {
namespace {

// log σ(x) = min(x, 0) − log(1 + e^−|x|), without overflow for large |x|.
inline float log_sigmoid(float x) { return std::min(x, 0.0f) - kernels::vlog1p(kernels::vexp(-std::abs(x))); }

}  // namespace

void StepEngine::linear_attention_step(const LinearAttentionLayer& w, LayerState& cache, const Scratch& s,
                                       int64_t batch) const {
  const int64_t D = config_.d_model, H = config_.n_head, hd = config_.head_dim();
  const int64_t r = gate_rank(), Q = 4 * D + r;  // in_proj row: [q | k | v | g | W_down u]
  const auto eps = static_cast<float>(config_.norm_eps);
  const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
  norm(w.norm, s.hidden, s.normed, batch);
  kernels::gemv(batch, D, Q, s.normed, D, w.in_proj.data(), nullptr, s.wide);  // (B, 4D + r)
  if (r > 0) {  // GLA: α = exp(logsigmoid(W_up (W_down u) + b_up) / τ), per key channel
    kernels::gemv(batch, r, D, s.wide + 4 * D, Q, w.gate_up.data(), w.gate_bias.data(), s.decay);  // (B, D)
    const auto inverse_temperature = static_cast<float>(1.0 / kGlaGateTemperature);
    for (int64_t i = 0; i < batch * D; ++i) s.decay[i] = kernels::vexp(log_sigmoid(s.decay[i]) * inverse_temperature);
  }

  for (int64_t b = 0; b < batch; ++b) {
    const float* row = s.wide + b * Q;
    const float* alpha_row = r > 0 ? s.decay + b * D : w.decay.data();  // (D)
    for (int64_t j = 0; j < H; ++j) {
      const float* q = row + j * hd;                       // (hd)
      const float* k = q + D;                              // (hd)
      const float* v = k + D;                              // (hd)
      const float* g = v + D;                              // (hd)
      const float* alpha = alpha_row + j * hd;             // (hd)
      float* S = cache.kv.data() + (b * H + j) * hd * hd;  // (hd, hd) keys × values
      float* o = s.inner + b * D + j * hd;                 // (hd)
      std::memset(o, 0, hd * sizeof(float));
      for (int64_t i = 0; i < hd; ++i) {
        const float a = alpha[i], k_i = k[i], q_i = q[i] * scale;
        float* S_i = S + i * hd;
#pragma omp simd
        for (int64_t c = 0; c < hd; ++c) {
          S_i[c] = a * S_i[c] + k_i * v[c];
          o[c] += q_i * S_i[c];
        }
      }
      // o = RMSNorm(o) ⊙ SiLU(g), norm first.
      kernels::rms_norm(o, w.g_norm.data(), eps, hd, o);  // in place
#pragma omp simd
      for (int64_t c = 0; c < hd; ++c) o[c] *= kernels::vsilu(g[c]);
    }
  }
  kernels::gemv(batch, D, D, s.inner, D, w.out_proj.data(), nullptr, s.hidden, /*accumulate=*/true);
  mlp_step(w.mlp, s, batch);
}

}  // namespace fl
