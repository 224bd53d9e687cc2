// One Mamba block of the step engine (math in step_engine.h; the model: src/models/mamba.cpp).
// Channels are innermost everywhere — conv window (K, Di), state (N, Di), A (N, Di) — so every
// per-token loop runs over Di contiguous floats and vectorises without horizontal sums.
#include <cstring>

#include "infer/step_engine.h"
#include "kernels/gemv.h"
#include "kernels/vector_math.h"

namespace fl {

void StepEngine::mamba_step(const MambaLayer& w, LayerState& cache, const Scratch& s, int64_t batch) const {
  const int64_t D = config_.d_model, Di = config_.d_inner(), N = config_.d_state, K = config_.d_conv;
  const int64_t R = config_.dt_rank, P = R + 2 * N;
  norm(w.norm, s.hidden, s.normed, batch);
  kernels::gemv(batch, D, 2 * Di, s.normed, D, w.in_proj.data(), nullptr, s.wide);  // (B, 2Di) [x | z]

  // Conv window: drop the oldest input, append x; x = Σ_k w_k ⊙ window_k + bias (then SiLU).
  for (int64_t b = 0; b < batch; ++b) {
    float* window = cache.conv.data() + b * K * Di;  // (K, Di)
    std::memmove(window, window + Di, (K - 1) * Di * sizeof(float));
    std::memcpy(window + (K - 1) * Di, s.wide + b * 2 * Di, Di * sizeof(float));
    float* x = s.inner + b * Di;  // (Di)
#pragma omp simd
    for (int64_t d = 0; d < Di; ++d) x[d] = window[d] * w.conv_weight[d];
    for (int64_t k = 1; k < K; ++k) {
      const float* window_k = window + k * Di;
      const float* weight_k = w.conv_weight.data() + k * Di;
#pragma omp simd
      for (int64_t d = 0; d < Di; ++d) x[d] += window_k[d] * weight_k[d];
    }
#pragma omp simd
    for (int64_t d = 0; d < Di; ++d) x[d] += w.conv_bias[d];
  }
  kernels::silu(s.inner, batch * Di);

  kernels::gemv(batch, Di, P, s.inner, Di, w.x_proj.data(), nullptr, s.proj);            // (B, R + 2N)
  kernels::gemv(batch, R, Di, s.proj, P, w.dt_proj.data(), w.dt_bias.data(), s.dt);      // (B, Di)
  kernels::softplus(s.dt, batch * Di);

  // s_n = exp(dt ⊙ A_n) ⊙ s_n + (dt ⊙ x) Bm_n;  y = Σ_n s_n Cm_n + D ⊙ x;  gated = y ⊙ SiLU(z).
  for (int64_t b = 0; b < batch; ++b) {
    const float* x = s.inner + b * Di;             // (Di)
    const float* dt = s.dt + b * Di;               // (Di)
    const float* z = s.wide + b * 2 * Di + Di;     // (Di)
    const float* Bm = s.proj + b * P + R;          // (N)
    const float* Cm = Bm + N;                      // (N)
    float* state = cache.ssm.data() + b * N * Di;  // (N, Di)
    float* y = s.gated + b * Di;                   // (Di)
    std::memset(y, 0, Di * sizeof(float));
    for (int64_t n = 0; n < N; ++n) {
      const float* A_n = w.A.data() + n * Di;
      float* state_n = state + n * Di;
      const float B_n = Bm[n], C_n = Cm[n];
#pragma omp simd
      for (int64_t d = 0; d < Di; ++d) {
        state_n[d] = kernels::vexp(dt[d] * A_n[d]) * state_n[d] + (dt[d] * x[d]) * B_n;
        y[d] += state_n[d] * C_n;
      }
    }
#pragma omp simd
    for (int64_t d = 0; d < Di; ++d) y[d] = (y[d] + w.D[d] * x[d]) * kernels::vsilu(z[d]);
  }
  kernels::gemv(batch, Di, D, s.gated, Di, w.out_proj.data(), nullptr, s.hidden, /*accumulate=*/true);
}

}  // namespace fl
