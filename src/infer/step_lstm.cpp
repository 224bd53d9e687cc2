// One LSTM block of the step engine (math in step_engine.h; the model: src/models/lstm.cpp).
// The gates are two gemvs into one (B, 4Hl) buffer — W_ih on the normed input with the summed
// biases, then W_hh on h accumulated — and one elementwise pass that updates c and h in place.
#include <cmath>

#include "infer/step_engine.h"
#include "kernels/gemv.h"
#include "kernels/vector_math.h"

namespace fl {

void StepEngine::lstm_step(const LstmLayer& w, LayerState& cache, const Scratch& s, int64_t batch) const {
  const int64_t D = config_.d_model, H = config_.lstm_size();
  norm(w.norm, s.hidden, s.normed, batch);
  kernels::gemv(batch, D, 4 * H, s.normed, D, w.w_ih.data(), w.bias.data(), s.wide);                     // (B, 4Hl)
  kernels::gemv(batch, H, 4 * H, cache.h.data(), H, w.w_hh.data(), nullptr, s.wide, /*accumulate=*/true);  // (B, 4Hl)
  for (int64_t b = 0; b < batch; ++b) {
    const float* gates = s.wide + b * 4 * H;  // [i | f | g | o], Hl each
    float* h = cache.h.data() + b * H;        // (Hl)
    float* c = cache.c.data() + b * H;        // (Hl)
    for (int64_t j = 0; j < H; ++j) {
      const float i = kernels::vsigmoid(gates[j]), f = kernels::vsigmoid(gates[H + j]);
      const float g = std::tanh(gates[2 * H + j]), o = kernels::vsigmoid(gates[3 * H + j]);
      c[j] = f * c[j] + i * g;
      h[j] = o * std::tanh(c[j]);
    }
  }
  kernels::gemv(batch, H, D, cache.h.data(), H, w.out_proj.data(), nullptr, s.hidden, /*accumulate=*/true);  // h += out_proj(h_lstm)
}

}  // namespace fl
