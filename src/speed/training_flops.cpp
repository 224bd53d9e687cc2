#include "speed/training_flops.h"

#include <algorithm>

namespace fl::speed {

double training_flops(const ModelConfig& c, int64_t batch, int64_t length) {
  const double D = static_cast<double>(c.d_model), tokens = static_cast<double>(batch * length);
  double per_token = 2 * D * static_cast<double>(c.vocab_size);  // the head
  double attention_pairs = 0;                                      // unmasked (query, key) pairs per sequence
  for (int64_t i = 0; i < length; ++i) attention_pairs += static_cast<double>(c.window > 0 ? std::min(i + 1, c.window) : i + 1);
  for (int64_t layer = 0; layer < c.n_layer; ++layer) {
    if (c.layer_family(layer) == ModelFamily::mamba) {
      const double Di = static_cast<double>(c.d_inner()), N = static_cast<double>(c.d_state);
      const double R = static_cast<double>(c.dt_rank);
      per_token += 2 * (D * 2 * Di + Di * (R + 2 * N) + R * Di + Di * D) + 7 * Di * N +
                   2 * static_cast<double>(c.d_conv) * Di;
    } else if (c.layer_family(layer) == ModelFamily::mamba2) {
      const double Di = static_cast<double>(c.d_inner()), N = static_cast<double>(c.d_state);
      const double GN = static_cast<double>(c.ngroups * c.d_state), Hm = static_cast<double>(c.mamba2_heads());
      per_token += 2 * (D * (2 * Di + 2 * GN + Hm) + Di * D) + 5 * Di * N +
                   2 * static_cast<double>(c.d_conv * c.mamba2_conv_dim());
    } else if (c.layer_family(layer) == ModelFamily::linear) {
      const double F = static_cast<double>(c.mlp_ratio) * D;
      per_token += 2 * (5 * D * D + 2 * D * F) + 5 * D * static_cast<double>(c.head_dim());  // projections, MLP, scan
    } else if (c.layer_family(layer) == ModelFamily::lstm) {
      const double H = static_cast<double>(c.lstm_size());
      per_token += 2 * (4 * H * (D + H) + H * D) + 5 * H;  // W_ih, W_hh, out_proj; the cell update
    } else {
      const double F = static_cast<double>(c.mlp_ratio) * D;
      per_token += 2 * (D * 3 * D + D * D + 2 * D * F) +
                   4 * static_cast<double>(c.head_dim()) * static_cast<double>(c.n_head) * attention_pairs /
                       static_cast<double>(length);
    }
  }
  return 3 * per_token * tokens;
}

}  // namespace fl::speed
