// Internals of the fused attention kernel (kernels/attention.h), shared by its forward
// (attention.cpp) and backward (attention_backward.cpp): the head geometry and masks, the
// register-blocked micro-kernels, the row packing with RoPE, and the softmax row updates.
//
// Micro-kernels, templated on an Ops class (a SIMD vector type and 5 operations):
//   dot_block         C (R, NC·W) = A (R, depth) · Bt (depth, NC·W)  scores from transposed keys
//   accumulate_rows   C (R, hdp) += A (R, depth) · B (depth, hdp)     A read with any strides
// R ≤ kRows rows sit in registers with NC ≤ 2 vectors of W lanes each (12 accumulators for
// R = 6). Ops: AVX-512 (W = 16 floats or 8 doubles), AVX2+FMA (8 or 4), portable scalar (1).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/attention.h"
#include "kernels/parallel.h"
#include "kernels/vector_math.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define FL_ATTENTION_AVX2 1
#endif
#if defined(__AVX512F__)
#define FL_ATTENTION_AVX512 1
#endif

namespace fl::kernels::attention_detail {

constexpr int64_t kKeyTile = 64;     // keys per tile: a multiple of every Ops' W
constexpr int64_t kQueryBlock = 64;  // query rows per forward work unit and per backward P/dS block
constexpr int kRows = 6;             // rows per register block
constexpr int64_t kPrefetchRows = 16;  // pack_rows prefetches its source this many rows ahead

// ---------------------------------------------------------------------------------------------
// Geometry and masks

struct Geometry {
  int64_t B, L, H, hd, D, W;  // W = 0: full causal; in a head's geometry (of_head) its reach r_h
  int64_t hdp;                // hd rounded up to the SIMD width (zero padding)
  bool rope;
  const double* slopes;         // (H) ALiBi slopes, or null
  const int64_t* head_windows;  // (H) Hard-ALiBi windows (0 = unlimited), or null
  double slope = 0;             // in a head's geometry: its ALiBi slope m_h
  int64_t n_tiles() const { return (L + kKeyTile - 1) / kKeyTile; }
  int64_t padded_L() const { return n_tiles() * kKeyTile; }
  int64_t first_key(int64_t i) const { return W > 0 ? std::max<int64_t>(0, i - W + 1) : 0; }
  // Head h's geometry: W its reach (the narrower of W and its Hard-ALiBi window), slope its m_h;
  // the masks and tile ranges below then follow the head.
  Geometry of_head(int64_t h) const {
    Geometry g = *this;
    if (head_windows) g.W = narrower_window(W, head_windows[h]);
    if (slopes) g.slope = slopes[h];
    return g;
  }
};

// Half-open column range [begin, end) inside a key tile.
struct Span {
  int64_t begin, end;
  bool empty() const { return end <= begin; }
};

// Keys of tile [k0, kend) that query row i sees, relative to k0 (may be empty).
inline Span row_keys(const Geometry& g, int64_t k0, int64_t kend, int64_t i) {
  return {std::max(k0, g.first_key(i)) - k0, std::min(kend, i + 1) - k0};
}

// Columns computed for rows i0 … i0+rows-1: the union of their row_keys, widened to whole
// blocks of `block` columns (empty when no row sees a key of the tile).
inline Span block_columns(const Geometry& g, int64_t k0, int64_t kend, int64_t i0, int64_t rows,
                          int64_t block) {
  const Span keys{std::max(k0, g.first_key(i0)) - k0, std::min(kend, i0 + rows) - k0};
  if (keys.empty()) return {0, 0};
  return {keys.begin / block * block, (keys.end + block - 1) / block * block};
}

// ---------------------------------------------------------------------------------------------
// SIMD operations

template <typename T>
struct ScalarOps {
  using Scalar = T;
  using V = T;
  static constexpr int W = 1;
  static V zero() { return T(0); }
  static V load(const T* p) { return *p; }
  static void store(T* p, V v) { *p = v; }
  static V broadcast(const T* p) { return *p; }
  static V fma(V a, V b, V c) { return a * b + c; }
};

#ifdef FL_ATTENTION_AVX2
template <typename T>
struct Avx2Ops;
template <>
struct Avx2Ops<float> {
  using Scalar = float;
  using V = __m256;
  static constexpr int W = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
};
template <>
struct Avx2Ops<double> {
  using Scalar = double;
  using V = __m256d;
  static constexpr int W = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V broadcast(const double* p) { return _mm256_broadcast_sd(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
};
#endif

#ifdef FL_ATTENTION_AVX512
template <typename T>
struct Avx512Ops;
template <>
struct Avx512Ops<float> {
  using Scalar = float;
  using V = __m512;
  static constexpr int W = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
};
template <>
struct Avx512Ops<double> {
  using Scalar = double;
  using V = __m512d;
  static constexpr int W = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
  static V broadcast(const double* p) { return _mm512_set1_pd(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
};
#endif

// Calls f(Ops{}) with the Ops `simd` asks for, falling back to narrower ones the build lacks.
template <typename T, class F>
void with_ops(AttentionSimd simd, F&& f) {
#ifdef FL_ATTENTION_AVX512
  if (simd == AttentionSimd::kWidest) return f(Avx512Ops<T>{});
#endif
#ifdef FL_ATTENTION_AVX2
  if (simd != AttentionSimd::kPortable) return f(Avx2Ops<T>{});
#endif
  (void)simd;
  f(ScalarOps<T>{});
}

// SIMD width W of the Ops with_ops picks.
template <typename T>
int64_t simd_width(AttentionSimd simd) {
  int64_t width = 1;
  with_ops<T>(simd, [&](auto ops) { width = decltype(ops)::W; });
  return width;
}

// Calls f(std::integral_constant<int, rows>{}) for 1 ≤ rows ≤ R.
template <int R = kRows, class F>
inline void with_rows(int64_t rows, F&& f) {
  if constexpr (R > 1) {
    if (rows != R) return with_rows<R - 1>(rows, f);
  }
  f(std::integral_constant<int, R>{});
}

// ---------------------------------------------------------------------------------------------
// Micro-kernels

// C[r, n] = Σ_{d < depth} A[r·lda + d] · Bt[d·ldb + n]    for r < R, n < NC·W.
template <class Ops, int R, int NC>
inline void dot_block(const typename Ops::Scalar* A, int64_t lda, const typename Ops::Scalar* Bt, int64_t ldb,
                      int64_t depth, typename Ops::Scalar* C, int64_t ldc) {
  using V = typename Ops::V;
  constexpr int W = Ops::W;
  V acc[R][NC];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int c = 0; c < NC; ++c) acc[r][c] = Ops::zero();
  for (int64_t d = 0; d < depth; ++d) {
    V b[NC];
#pragma GCC unroll 2
    for (int c = 0; c < NC; ++c) b[c] = Ops::load(Bt + d * ldb + c * W);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const V a = Ops::broadcast(A + r * lda + d);
#pragma GCC unroll 2
      for (int c = 0; c < NC; ++c) acc[r][c] = Ops::fma(a, b[c], acc[r][c]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int c = 0; c < NC; ++c) Ops::store(C + r * ldc + c * W, acc[r][c]);
}

// C[r, n] += Σ_{k < depth} A[r·ars + k·acs] · B[k·ldb + n]    for r < R, n < NC·W.
template <class Ops, int R, int NC>
inline void accumulate_block(const typename Ops::Scalar* A, int64_t ars, int64_t acs, const typename Ops::Scalar* B,
                             int64_t ldb, int64_t depth, typename Ops::Scalar* C, int64_t ldc) {
  using V = typename Ops::V;
  constexpr int W = Ops::W;
  V acc[R][NC];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) acc[r][c] = Ops::load(C + r * ldc + c * W);
  for (int64_t k = 0; k < depth; ++k) {
    V b[NC];
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) b[c] = Ops::load(B + k * ldb + c * W);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const V a = Ops::broadcast(A + r * ars + k * acs);
#pragma GCC unroll 4
      for (int c = 0; c < NC; ++c) acc[r][c] = Ops::fma(a, b[c], acc[r][c]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) Ops::store(C + r * ldc + c * W, acc[r][c]);
}

// The same over all hdp columns (hdp a multiple of W): blocks of 2W, then one of W if left.
template <class Ops, int R>
inline void accumulate_rows(const typename Ops::Scalar* A, int64_t ars, int64_t acs, const typename Ops::Scalar* B,
                            int64_t ldb, int64_t depth, typename Ops::Scalar* C, int64_t ldc, int64_t hdp) {
  constexpr int W = Ops::W;
  int64_t n = 0;
  for (; n + 2 * W <= hdp; n += 2 * W) accumulate_block<Ops, R, 2>(A, ars, acs, B + n, ldb, depth, C + n, ldc);
  if (n < hdp) accumulate_block<Ops, R, 1>(A, ars, acs, B + n, ldb, depth, C + n, ldc);
}

// Scores of R rows against the columns `cols` (whole vectors of W) of one key tile:
//   C[r, n] = A[r] · Bt[:, n]   (A (R, hd) with row stride lda, Bt (hd, kKeyTile), C row stride kKeyTile).
template <class Ops, int R>
inline void tile_scores(const typename Ops::Scalar* A, int64_t lda, const typename Ops::Scalar* Bt, int64_t hd,
                        Span cols, typename Ops::Scalar* C) {
  constexpr int W = Ops::W;
  int64_t n = cols.begin;
  for (; n + 2 * W <= cols.end; n += 2 * W) dot_block<Ops, R, 2>(A, lda, Bt + n, kKeyTile, hd, C + n, kKeyTile);
  if (n < cols.end) dot_block<Ops, R, 1>(A, lda, Bt + n, kKeyTile, hd, C + n, kKeyTile);
}

// ---------------------------------------------------------------------------------------------
// Packing

// The RoPE rotations R(t) of positions 0 … L-1: rows t of the (L, hd/2) cos and sin tables;
// the identity when cos is null.
template <typename T>
struct Rotation {
  const T* cos = nullptr;
  const T* sin = nullptr;
};

// dst[t, c] = scale · (R(t) x_t)[c] for c < hd and 0 for hd ≤ c < hdp, x_t = src + t·stride,
// for the rows t0 ≤ t < t1 (dst and the rotation tables indexed by t).
template <typename T>
void pack_rows(const T* src, int64_t stride, int64_t t0, int64_t t1, int64_t hd, int64_t hdp, Rotation<T> rotation,
               T scale, T* dst /* (L, hdp) */) {
  const int64_t half = hd / 2;
  for (int64_t t = t0; t < t1; ++t) {
    const T* x = src + t * stride;
    T* y = dst + t * hdp;
    for (int64_t c = 0; c < hd; c += 64 / sizeof(T)) __builtin_prefetch(x + kPrefetchRows * stride + c);
    if (rotation.cos) {
      const T *c = rotation.cos + t * half, *s = rotation.sin + t * half;
#pragma omp simd
      for (int64_t i = 0; i < half; ++i) {
        y[i] = scale * (x[i] * c[i] - x[i + half] * s[i]);
        y[i + half] = scale * (x[i + half] * c[i] + x[i] * s[i]);
      }
    } else {
#pragma omp simd
      for (int64_t i = 0; i < hd; ++i) y[i] = scale * x[i];
    }
    std::fill(y + hd, y + hdp, T(0));
  }
}

// dst[c] = scale · (R(t)ᵀ g)[c] for c < hd: the transpose of pack_rows' rotation, for row t.
template <typename T>
void unpack_row(const T* g, int64_t t, int64_t hd, Rotation<T> rotation, T scale, T* dst) {
  const int64_t half = hd / 2;
  if (rotation.cos) {
    const T *c = rotation.cos + t * half, *s = rotation.sin + t * half;
#pragma omp simd
    for (int64_t i = 0; i < half; ++i) {
      dst[i] = scale * (g[i] * c[i] + g[i + half] * s[i]);
      dst[i + half] = scale * (g[i + half] * c[i] - g[i] * s[i]);
    }
  } else {
#pragma omp simd
    for (int64_t i = 0; i < hd; ++i) dst[i] = scale * g[i];
  }
}

// Key tiles [tile_begin, tile_end) of a (L, hdp) matrix, transposed:
// dst[tile, d, n] = src[tile·kKeyTile + n, d], zero past row L.
template <typename T>
void transpose_tiles(const T* src /* (L, hdp) */, int64_t L, int64_t hd, int64_t hdp, int64_t tile_begin,
                     int64_t tile_end, T* dst /* (n_tiles, hd, kKeyTile) */) {
  for (int64_t tile = tile_begin; tile < tile_end; ++tile) {
    const int64_t k0 = tile * kKeyTile, keys = std::min(kKeyTile, L - k0);
    T* out = dst + tile * hd * kKeyTile;
    for (int64_t d = 0; d < hd; ++d) {
      for (int64_t n = 0; n < keys; ++n) out[d * kKeyTile + n] = src[(k0 + n) * hdp + d];
      std::fill(out + d * kKeyTile + keys, out + (d + 1) * kKeyTile, T(0));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Softmax rows

// Row i's scores s against the keys k0 + c of a tile, computed on the columns `computed`: the
// ALiBi term −m_h (i − k0 − c) added on `valid`, -inf outside it, so that the loops after it run
// over whole blocks of columns (exp(-inf) = 0).
template <typename T>
inline void mask_row(const Geometry& g, int64_t i, int64_t k0, T* s, Span computed, Span valid) {
  std::fill(s + computed.begin, s + valid.begin, -std::numeric_limits<T>::infinity());
  std::fill(s + valid.end, s + computed.end, -std::numeric_limits<T>::infinity());
  if (g.slope == 0) return;
  const T slope = T(g.slope);
  const int64_t d0 = i - k0;  // distance of column 0
#pragma omp simd
  for (int64_t c = valid.begin; c < valid.end; ++c) s[c] -= slope * T(d0 - c);
}

// Online-softmax update of R query rows i0 … i0+R-1 with their scores s (R, kKeyTile) against
// key tile [k0, kend), computed on the columns `cols`: s becomes p = exp(s − m_new) on the keys
// each row sees and 0 on the rest of `cols`; per row, m (running max), l (running Σ p) and o
// (running Σ p v, row stride hdp) follow, rescaled by exp(m − m_new).
template <int R, typename T>
void online_softmax_rows(const Geometry& g, int64_t k0, int64_t kend, int64_t i0, Span cols, T* s, T* m, T* l, T* o,
                         int64_t hdp) {
  for (int r = 0; r < R; ++r) {
    T* row = s + r * kKeyTile;
    const Span valid = row_keys(g, k0, kend, i0 + r);
    if (valid.empty()) {
      std::fill(row + cols.begin, row + cols.end, T(0));
      continue;
    }
    mask_row(g, i0 + r, k0, row, cols, valid);
    T tile_max = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : tile_max)
    for (int64_t j = cols.begin; j < cols.end; ++j) tile_max = row[j] > tile_max ? row[j] : tile_max;
    const T m_new = std::max(m[r], tile_max);
    T sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t j = cols.begin; j < cols.end; ++j) {
      row[j] = vexp(row[j] - m_new);
      sum += row[j];
    }
    if (m_new > m[r]) {
      const T alpha = std::exp(m[r] - m_new);  // 0 on the row's first keys (m = -inf)
      l[r] *= alpha;
      T* o_r = o + r * hdp;
#pragma omp simd
      for (int64_t c = 0; c < hdp; ++c) o_r[c] *= alpha;
    }
    l[r] += sum;
    m[r] = m_new;
  }
}

// Backward of R query rows i0 … i0+R-1 against key tile [k0, kend), scores s and dp (R, kKeyTile)
// computed on `cols`: p = exp(s − lse) and ds = p (dp − Δ) on the keys each row sees (never
// none), both 0 on the rest of the tile row [0, kKeyTile). s becomes p, dp becomes ds.
template <int R, typename T>
void softmax_grad_rows(const Geometry& g, int64_t k0, int64_t kend, int64_t i0, Span cols, T* s, T* dp,
                       const T* lse /* (L) */, const T* delta /* (L) */) {
  for (int r = 0; r < R; ++r) {
    T *p_row = s + r * kKeyTile, *ds_row = dp + r * kKeyTile;
    const T lse_r = lse[i0 + r], delta_r = delta[i0 + r];
    mask_row(g, i0 + r, k0, p_row, cols, row_keys(g, k0, kend, i0 + r));
#pragma omp simd
    for (int64_t j = cols.begin; j < cols.end; ++j) {
      p_row[j] = vexp(p_row[j] - lse_r);
      ds_row[j] = p_row[j] * (ds_row[j] - delta_r);
    }
    for (T* row : {p_row, ds_row}) {
      std::fill(row, row + cols.begin, T(0));
      std::fill(row + cols.end, row + kKeyTile, T(0));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The backward (attention_backward.cpp)

// Raw views of the backward's inputs and output; rows of qkv at qkv + b·stride_b + t·stride_l.
template <typename T>
struct BackwardArgs {
  Geometry g;
  const T* qkv;       // (B, L, 3D), rows strided
  int64_t stride_b, stride_l;
  const T* o;         // (B, L, D)
  const T* lse;       // (B, H, L)
  const T* dout;      // (B, L, D)
  Rotation<T> rotation;
  T* dqkv;            // (B, L, 3D)
};

template <typename T>
void attention_backward(const BackwardArgs<T>& args, AttentionSimd simd);

}  // namespace fl::kernels::attention_detail
