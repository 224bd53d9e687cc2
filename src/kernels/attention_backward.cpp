// Backward of the fused causal attention (kernels/attention.h), FlashAttention-2 style: per head,
// key tiles outermost; for every block of query rows that sees the tile, the scores are
// recomputed and
//   p = exp(s − lse),  ds = p ⊙ (dO vᵀ − Δ)         (kQueryBlock, kKeyTile) scratch
//   dq̃ += ds k̃ (per register block of rows),  dv += pᵀ dO,  dk̃ += dsᵀ q̃/√hd (per block of keys)
// with q̃/√hd packed, so ds k̃ already carries one 1/√hd and dq̃ gets the other at the end. Work
// units are whole heads (b, h): each owns its dq̃, dk̃, dv, so nothing is shared between threads.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/attention_tiles.h"

namespace fl::kernels::attention_detail {
namespace {

// One thread's buffers for one head.
template <typename T>
struct HeadScratch {
  explicit HeadScratch(const Geometry& g)
      : q(g.L * g.hdp),
        k(g.padded_L() * g.hdp),
        kt(g.n_tiles() * g.hd * kKeyTile),
        vt(g.n_tiles() * g.hd * kKeyTile),
        dout(g.L * g.hdp),
        delta(g.L),
        dq(g.L * g.hdp),
        dk(g.padded_L() * g.hdp),
        dv(g.padded_L() * g.hdp),
        p(kQueryBlock * kKeyTile),
        ds(kQueryBlock * kKeyTile) {}
  std::vector<T> q;      // (L, hdp)                  q̃ / √hd
  std::vector<T> k;      // (L', hdp)                 k̃, zero rows past L
  std::vector<T> kt;     // (n_tiles, hd, kKeyTile)   k̃ transposed per key tile
  std::vector<T> vt;     // (n_tiles, hd, kKeyTile)   v transposed per key tile
  std::vector<T> dout;   // (L, hdp)                  dO
  std::vector<T> delta;  // (L)                       Δ_i = dO_i · o_i
  std::vector<T> dq;     // (L, hdp)                  Σ_j ds_ij k̃_j
  std::vector<T> dk;     // (L', hdp)                 dk̃
  std::vector<T> dv;     // (L', hdp)                 dv
  std::vector<T> p;      // (kQueryBlock, kKeyTile)   p of one block of rows and one key tile
  std::vector<T> ds;     // (kQueryBlock, kKeyTile)   dp, then ds
};

// Packs head (b, h)'s operands into w and zeroes its accumulators.
template <typename T>
void pack_head(const BackwardArgs<T>& a, int64_t b, int64_t h, HeadScratch<T>& w) {
  const Geometry& g = a.g;
  const int64_t hdp = g.hdp;
  const T* row0 = a.qkv + b * a.stride_b + h * g.hd;
  const T scale = T(1 / std::sqrt(static_cast<double>(g.hd)));
  pack_rows(row0, a.stride_l, 0, g.L, g.hd, hdp, a.rotation, scale, w.q.data());
  pack_rows(row0 + g.D, a.stride_l, 0, g.L, g.hd, hdp, a.rotation, T(1), w.k.data());
  std::fill(w.k.begin() + g.L * hdp, w.k.end(), T(0));
  transpose_tiles(w.k.data(), g.L, g.hd, hdp, 0, g.n_tiles(), w.kt.data());
  pack_rows(row0 + 2 * g.D, a.stride_l, 0, g.L, g.hd, hdp, Rotation<T>{}, T(1), w.dv.data());  // v, staged in dv
  transpose_tiles(w.dv.data(), g.L, g.hd, hdp, 0, g.n_tiles(), w.vt.data());
  const int64_t head = b * g.L * g.D + h * g.hd;
  pack_rows(a.dout + head, g.D, 0, g.L, g.hd, hdp, Rotation<T>{}, T(1), w.dout.data());
  for (int64_t i = 0; i < g.L; ++i) {
    const T *dO = w.dout.data() + i * hdp, *o = a.o + head + i * g.D;
    for (int64_t c = 0; c < g.hd; c += 64 / sizeof(T)) __builtin_prefetch(o + kPrefetchRows * g.D + c);
    T delta = 0;
#pragma omp simd reduction(+ : delta)
    for (int64_t c = 0; c < g.hd; ++c) delta += dO[c] * o[c];
    w.delta[i] = delta;
  }
  std::fill(w.dq.begin(), w.dq.end(), T(0));
  std::fill(w.dk.begin(), w.dk.end(), T(0));
  std::fill(w.dv.begin(), w.dv.end(), T(0));
}

// Query rows [q0, q1) against key tile [k0, kend): p and ds of the block, dq̃ of its rows, then
// dv and dk̃ of the tile's keys.
template <class Ops>
void block_backward(const Geometry& g, const typename Ops::Scalar* lse /* (L) */, int64_t tile, int64_t q0, int64_t q1,
                    HeadScratch<typename Ops::Scalar>& w) {
  const int64_t hd = g.hd, hdp = g.hdp;
  const int64_t k0 = tile * kKeyTile, kend = std::min(k0 + kKeyTile, g.L);
  const auto* kt = w.kt.data() + tile * hd * kKeyTile;
  const auto* vt = w.vt.data() + tile * hd * kKeyTile;
  for (int64_t i0 = q0; i0 < q1; i0 += kRows) {
    const int64_t n = std::min<int64_t>(kRows, q1 - i0);
    const Span cols = block_columns(g, k0, kend, i0, n, Ops::W);  // never empty: every row sees the tile
    auto* p = w.p.data() + (i0 - q0) * kKeyTile;
    auto* ds = w.ds.data() + (i0 - q0) * kKeyTile;
    with_rows(n, [&](auto rows_constant) {
      constexpr int R = decltype(rows_constant)::value;
      tile_scores<Ops, R>(w.q.data() + i0 * hdp, hdp, kt, hd, cols, p);
      tile_scores<Ops, R>(w.dout.data() + i0 * hdp, hdp, vt, hd, cols, ds);
      softmax_grad_rows<R>(g, k0, kend, i0, cols, p, ds, lse, w.delta.data());
      accumulate_rows<Ops, R>(ds + cols.begin, kKeyTile, 1, w.k.data() + (k0 + cols.begin) * hdp, hdp,
                              cols.end - cols.begin, w.dq.data() + i0 * hdp, hdp, hdp);
    });
  }
  for (int64_t j0 = k0; j0 < kend; j0 += kRows) {
    const int64_t n = std::min<int64_t>(kRows, kend - j0);
    // Rows of the block that see any of the keys j0 … j0+n-1.
    const int64_t i_begin = std::max(q0, j0), i_end = g.W > 0 ? std::min(q1, j0 + n - 1 + g.W) : q1;
    if (i_end <= i_begin) continue;
    const int64_t at = (i_begin - q0) * kKeyTile + (j0 - k0);
    with_rows(n, [&](auto rows_constant) {
      constexpr int R = decltype(rows_constant)::value;
      accumulate_rows<Ops, R>(w.p.data() + at, 1, kKeyTile, w.dout.data() + i_begin * hdp, hdp, i_end - i_begin,
                              w.dv.data() + j0 * hdp, hdp, hdp);
      accumulate_rows<Ops, R>(w.ds.data() + at, 1, kKeyTile, w.q.data() + i_begin * hdp, hdp, i_end - i_begin,
                              w.dk.data() + j0 * hdp, hdp, hdp);
    });
  }
}

template <class Ops>
void head_backward(const BackwardArgs<typename Ops::Scalar>& a, int64_t b, int64_t h,
                   HeadScratch<typename Ops::Scalar>& w) {
  using T = typename Ops::Scalar;
  const Geometry g = a.g.of_head(h);
  pack_head(a, b, h, w);
  const T* lse = a.lse + (b * g.H + h) * g.L;
  for (int64_t tile = 0; tile < g.n_tiles(); ++tile) {
    // Rows that see a key of the tile: from its first key to its last key's reach W - 1 rows on.
    const int64_t k0 = tile * kKeyTile, kend = std::min(k0 + kKeyTile, g.L);
    const int64_t rows_end = g.W > 0 ? std::min(g.L, kend - 1 + g.W) : g.L;
    for (int64_t q0 = k0; q0 < rows_end; q0 += kQueryBlock)
      block_backward<Ops>(g, lse, tile, q0, std::min(q0 + kQueryBlock, rows_end), w);
  }
  const T scale = T(1 / std::sqrt(static_cast<double>(g.hd)));
  for (int64_t t = 0; t < g.L; ++t) {
    T* row = a.dqkv + (b * g.L + t) * 3 * g.D + h * g.hd;
    unpack_row(w.dq.data() + t * g.hdp, t, g.hd, a.rotation, scale, row);
    unpack_row(w.dk.data() + t * g.hdp, t, g.hd, a.rotation, T(1), row + g.D);
    std::copy(w.dv.data() + t * g.hdp, w.dv.data() + t * g.hdp + g.hd, row + 2 * g.D);
  }
}

}  // namespace

template <typename T>
void attention_backward(const BackwardArgs<T>& args, AttentionSimd simd) {
  const Geometry& g = args.g;
  const int64_t keys = std::min(g.L, g.W > 0 ? g.W : g.L);
  with_ops<T>(simd, [&](auto ops) {
    using Ops = decltype(ops);
    at::parallel_for(0, g.B * g.H, grain(10 * g.L * keys * g.hd), [&](int64_t begin, int64_t end) {
      HeadScratch<T> scratch(g);
      for (int64_t unit = begin; unit < end; ++unit) head_backward<Ops>(args, unit / g.H, unit % g.H, scratch);
    });
  });
}

template void attention_backward<float>(const BackwardArgs<float>&, AttentionSimd);
template void attention_backward<double>(const BackwardArgs<double>&, AttentionSimd);

}  // namespace fl::kernels::attention_detail
