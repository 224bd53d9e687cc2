// One Mamba-2 block of the step engine (math in step_engine.h; the model: ModelFamily::mamba2's
// block in src/models/).
// The state is kept as Mamba's, (N, Di) with channels innermost: channel h·P + p is row p of head
// h's (P, N) state. A head's scalar decay and dt are spread over its P channels once per token, so
// the recurrence is Mamba's loop — over a group's Di/G contiguous channels per n, vectorised
// without horizontal sums — with one exp per head instead of one per (n, channel).
#include <cmath>

#include "infer/step_engine.h"
#include "kernels/gemv.h"
#include "kernels/vector_math.h"

namespace fl {

void StepEngine::mamba2_step(const Mamba2Layer& w, LayerState& cache, const Scratch& s, int64_t batch) const {
  const int64_t D = config_.d_model, Di = config_.d_inner(), N = config_.d_state, K = config_.d_conv;
  const int64_t P = config_.headdim, G = config_.ngroups, Hm = config_.mamba2_heads();
  const int64_t Cc = config_.mamba2_conv_dim(), Z = Di + Cc + Hm;  // in_proj row: [z | x | Bm | Cm | dt_raw]
  const int64_t Dg = Di / G;                                       // channels per group (Hm/G heads)
  const auto eps = static_cast<float>(config_.norm_eps);
  norm(w.norm, s.hidden, s.normed, batch);
  kernels::gemv(batch, D, Z, s.normed, D, w.in_proj.data(), nullptr, s.wide);  // (B, Z)
  conv_step(w.conv_weight.data(), w.conv_bias.data(), K, Cc, batch, s.wide + Di, Z, cache.conv.data(),
            s.inner);  // (B, Cc) [x | Bm | Cm]

  for (int64_t b = 0; b < batch; ++b) {
    const float* z = s.wide + b * Z;               // (Di)
    const float* dt_raw = z + Di + Cc;             // (Hm)
    const float* x = s.inner + b * Cc;             // (Di)
    const float* Bm = x + Di;                      // (G, N)
    const float* Cm = Bm + G * N;                  // (G, N)
    float* dt_x = s.dt + b * Di;                   // (Di)  dt_h x
    float* decay = s.decay + b * Di;               // (Di)  exp(dt_h A_h)
    float* state = cache.ssm.data() + b * N * Di;  // (N, Di)
    float* y = s.gated + b * Di;                   // (Di)

    // dt_h = softplus(dt_raw_h + dt_bias_h), spread over head h's channels h·P … h·P + P − 1.
    for (int64_t h = 0; h < Hm; ++h) {
      const float dt = kernels::vsoftplus(dt_raw[h] + w.dt_bias[h]);
      const float a = kernels::vexp(dt * w.A[h]);
      for (int64_t p = h * P; p < (h + 1) * P; ++p) {
        dt_x[p] = dt * x[p];
        decay[p] = a;
      }
    }
    // s_n = exp(dt A) ⊙ s_n + (dt x) Bm_g[n];  y = Σ_n s_n Cm_g[n] + D ⊙ x, channel by group g.
#pragma omp simd
    for (int64_t d = 0; d < Di; ++d) y[d] = w.D[d] * x[d];
    for (int64_t g = 0; g < G; ++g) {
      const int64_t first = g * Dg;  // the group's channels: first … first + Dg − 1
      for (int64_t n = 0; n < N; ++n) {
        const float B_n = Bm[g * N + n], C_n = Cm[g * N + n];
        float* state_n = state + n * Di + first;
        const float* decay_g = decay + first;
        const float* dt_x_g = dt_x + first;
        float* y_g = y + first;
#pragma omp simd
        for (int64_t d = 0; d < Dg; ++d) {
          state_n[d] = decay_g[d] * state_n[d] + dt_x_g[d] * B_n;
          y_g[d] += state_n[d] * C_n;
        }
      }
    }
    // Gated RMSNorm, gate first: y ⊙ SiLU(z), normalised over each group's Dg channels.
#pragma omp simd
    for (int64_t d = 0; d < Di; ++d) y[d] *= kernels::vsilu(z[d]);
    for (int64_t g = 0; g < G; ++g)
      kernels::rms_norm(y + g * Dg, w.norm_weight.data() + g * Dg, eps, Dg, y + g * Dg);  // in place
  }
  kernels::gemv(batch, Di, D, s.gated, Di, w.out_proj.data(), nullptr, s.hidden, /*accumulate=*/true);
}

}  // namespace fl
