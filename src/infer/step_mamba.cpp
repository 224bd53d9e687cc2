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
  conv_step(w.conv_weight.data(), w.conv_bias.data(), K, Di, batch, s.wide, 2 * Di, cache.conv.data(),
            s.inner);  // (B, Di) x
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

void StepEngine::conv_step(const float* weight, const float* bias, int64_t K, int64_t C, int64_t batch,
                           const float* input, int64_t input_stride, float* window, float* out) {
  // Drop the oldest input, append this one; out = Σ_k weight_k ⊙ window_k + bias, then SiLU.
  for (int64_t b = 0; b < batch; ++b) {
    float* rows = window + b * K * C;  // (K, C)
    std::memmove(rows, rows + C, (K - 1) * C * sizeof(float));
    std::memcpy(rows + (K - 1) * C, input + b * input_stride, C * sizeof(float));
    float* x = out + b * C;  // (C)
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) x[c] = rows[c] * weight[c];
    for (int64_t k = 1; k < K; ++k) {
      const float* window_k = rows + k * C;
      const float* weight_k = weight + k * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) x[c] += window_k[c] * weight_k[c];
    }
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) x[c] += bias[c];
  }
  kernels::silu(out, batch * C);
}

}  // namespace fl
