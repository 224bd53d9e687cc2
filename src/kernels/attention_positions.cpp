#include "kernels/attention_positions.h"

#include <algorithm>
#include <cmath>

namespace fl::kernels {

int64_t AttentionPositions::reach(int64_t h) const {
  return narrower_window(window, head_windows.empty() ? 0 : head_windows[h]);
}

int64_t narrower_window(int64_t a, int64_t b) { return a == 0 || b == 0 ? std::max(a, b) : std::min(a, b); }

std::vector<double> alibi_slopes(int64_t n_head) {
  int64_t n = 1;
  while (2 * n <= n_head) n *= 2;  // the largest power of two ≤ H
  std::vector<double> slopes;
  for (int64_t h = 1; h <= n; ++h) slopes.push_back(std::exp2(-8.0 * static_cast<double>(h) / static_cast<double>(n)));
  // The 2n list's slopes 2^(−8k/2n) at odd k = 1, 3, 5, …: between the ones above.
  for (int64_t k = 1; static_cast<int64_t>(slopes.size()) < n_head; k += 2)
    slopes.push_back(std::exp2(-4.0 * static_cast<double>(k) / static_cast<double>(n)));
  return slopes;
}

std::vector<int64_t> hard_alibi_windows(int64_t n_head) {
  std::vector<int64_t> windows(n_head, 0);
  for (int64_t h = 0; h < n_head / 2; ++h) windows[h] = h + 1;
  return windows;
}

}  // namespace fl::kernels
