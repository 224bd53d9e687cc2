// Where each attention head looks and how distance enters its scores: the positional scheme of
// one call of the attention kernels (kernels/attention.h) and of the step paths. Torch-free.
// For query i, key j and head h (d = i − j):
//   window W               every head sees keys 0 ≤ d < W (W = 0: all d ≥ 0, full causal)
//   rope_base              > 0: RoPE rotates q and k (kernels/rope.h); 0: no rotation
//   slopes (H) or empty    ALiBi (Press et al. 2022): s_ij −= slopes[h] · d
//   head_windows (H) or empty  Hard-ALiBi (Jelassi et al. 2024): head h sees only d < head_windows[h]
//                          (0 = unlimited), inside W as well; no bias on the keys it sees
// The schemes combine (the model config picks one of RoPE, ALiBi, Hard-ALiBi, or none).
#pragma once
#include <cstdint>
#include <vector>

namespace fl::kernels {

struct AttentionPositions {
  int64_t window = 0;
  double rope_base = 0.0;
  std::vector<double> slopes;         // (H) or empty
  std::vector<int64_t> head_windows;  // (H) or empty, 0 = unlimited

  // The keys head h sees: d < reach(h), 0 = unlimited (the smaller of W and its own window).
  int64_t reach(int64_t h) const;
  double slope(int64_t h) const { return slopes.empty() ? 0.0 : slopes[h]; }
  bool biased() const { return !slopes.empty() || !head_windows.empty(); }  // more than W and RoPE
};

// The narrower of two windows, 0 = unlimited.
int64_t narrower_window(int64_t a, int64_t b);

// ALiBi's slopes for n_head heads (Press et al., "Train Short, Test Long", arXiv 2108.12409):
// for H a power of two, m_h = 2^(−8(h+1)/H), h = 0 … H−1; otherwise the slopes of the largest
// power of two n < H, then the first H − n of the odd-indexed slopes 2^(−4(2k+1)/n) of the 2n list.
std::vector<double> alibi_slopes(int64_t n_head);

// Hard-ALiBi's windows as Jelassi et al.'s code sets them (arXiv 2402.01032; 16 heads of which 8
// are masked): head h < ⌊H/2⌋ sees its last h + 1 keys, the other heads are unlimited (0).
std::vector<int64_t> hard_alibi_windows(int64_t n_head);

}  // namespace fl::kernels
