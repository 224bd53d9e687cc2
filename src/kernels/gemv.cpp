// Batched matrix–vector product and row helpers of the step engine (see gemv.h for the math).
//
// AVX2/FMA gemv: output rows go in blocks of kRows = 4. For one block and a pair of batch rows
// the inner loop walks `in` 8 floats at a time: 4 W loads, 2 x loads, 8 FMAs into 8 independent
// accumulators (4 rows × 2 batch rows), so each W vector loaded is used by two batch rows and the
// FMA latency is hidden. A single batch row runs the same loop unrolled twice over `in` (8
// accumulators again). The block's 4 rows of W (16·in bytes) stay in L1 while every batch pair
// passes over them, so W is read from L2/L3 once per call. The last in % 8 columns use a masked
// load (zeros beyond `in`); the last out % 4 rows go one at a time. Each output is reduced in a
// fixed order (lanes, then the pairwise hadd tree), then bias is added, then y if accumulating.
//
// AVX2/FMA vector_matrix: columns go in blocks of 32 (4 vectors); for each pair of rows, two
// broadcasts of x and 8 FMAs into 8 accumulators (4 vectors × even/odd row), no horizontal sums.
// The last n % 32 columns run the same block with fewer vectors, the last one masked.
#include "kernels/gemv.h"

#include <algorithm>
#include <cmath>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include "kernels/vector_math.h"

namespace fl::kernels {

void gemv_portable(int64_t batch, int64_t in, int64_t out, const float* x, int64_t x_stride,
                   const float* W, const float* bias, float* y, bool accumulate) {
  for (int64_t b = 0; b < batch; ++b) {
    const float* xb = x + b * x_stride;  // (in)
    float* yb = y + b * out;             // (out)
    for (int64_t o = 0; o < out; ++o) {
      const float s = dot(xb, W + o * in, in) + (bias ? bias[o] : 0.0f);
      yb[o] = accumulate ? yb[o] + s : s;
    }
  }
}

void vector_matrix_portable(int64_t k, int64_t n, const float* x, const float* M, int64_t m_stride, float* y) {
  std::fill(y, y + n, 0.0f);
  for (int64_t r = 0; r < k; ++r) {
    const float x_r = x[r];
    const float* m_r = M + r * m_stride;  // (n)
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] += x_r * m_r[j];
  }
}

#if defined(__AVX2__) && defined(__FMA__)
namespace {

constexpr int kRows = 4;  // output rows per register block

// Lane mask of the first `valid` (1..8) lanes.
inline __m256i partial_mask(int64_t valid) {
  alignas(32) static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - valid));
}
// p[0..8) with only the first `valid` lanes read; the others are 0.
inline __m256 load_partial(const float* p, int64_t valid) { return _mm256_maskload_ps(p, partial_mask(valid)); }

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// [Σ a0, Σ a1, Σ a2, Σ a3] over the 8 lanes of each.
inline __m128 hsum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

// acc[b][r] (8 lanes) += x_b[i..i+8) ⊙ W_r[i..i+8) for R rows of W and NB batch rows, where
// `load` reads 8 floats (full or masked).
template <int R, int NB, typename Load>
inline void fma_step(const float* x, int64_t x_stride, const float* W, int64_t in, int64_t i, Load load,
                     __m256 (&acc)[NB][R]) {
  __m256 w[R];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) w[r] = load(W + r * in + i);
#pragma GCC unroll 2
  for (int b = 0; b < NB; ++b) {
    const __m256 xv = load(x + b * x_stride + i);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) acc[b][r] = _mm256_fmadd_ps(xv, w[r], acc[b][r]);
  }
}

// y_b[r] (= or +=) Σ_i x_b[i] W_r[i] + bias[r] for R rows (W, bias, y already offset to the
// block) and NB batch rows (x, y offset to the first).
template <int R, int NB>
void block(int64_t in, int64_t out, const float* x, int64_t x_stride, const float* W, const float* bias,
           float* y, bool accumulate) {
  const auto full = [](const float* p) { return _mm256_loadu_ps(p); };
  __m256 acc[NB][R], acc2[NB][R];  // acc2: second accumulator set of the single-row unroll
  for (int b = 0; b < NB; ++b)
    for (int r = 0; r < R; ++r) acc[b][r] = acc2[b][r] = _mm256_setzero_ps();
  int64_t i = 0;
  if constexpr (NB == 1) {
    for (; i + 16 <= in; i += 16) {
      fma_step<R, NB>(x, x_stride, W, in, i, full, acc);
      fma_step<R, NB>(x, x_stride, W, in, i + 8, full, acc2);
    }
  }
  for (; i + 8 <= in; i += 8) fma_step<R, NB>(x, x_stride, W, in, i, full, acc);
  if (i < in) {
    const int64_t valid = in - i;
    fma_step<R, NB>(x, x_stride, W, in, i, [valid](const float* p) { return load_partial(p, valid); }, acc);
  }
  for (int b = 0; b < NB; ++b) {
    float* yb = y + b * out;
    if constexpr (R == 4) {
      __m128 s = hsum4(acc[b][0], acc[b][1], acc[b][2], acc[b][3]);
      if constexpr (NB == 1) s = _mm_add_ps(s, hsum4(acc2[b][0], acc2[b][1], acc2[b][2], acc2[b][3]));
      if (bias) s = _mm_add_ps(s, _mm_loadu_ps(bias));
      if (accumulate) s = _mm_add_ps(_mm_loadu_ps(yb), s);
      _mm_storeu_ps(yb, s);
    } else {
      for (int r = 0; r < R; ++r) {
        const float s = (NB == 1 ? hsum(acc[b][r]) + hsum(acc2[b][r]) : hsum(acc[b][r])) + (bias ? bias[r] : 0.0f);
        yb[r] = accumulate ? yb[r] + s : s;
      }
    }
  }
}

// All batch rows against R rows of W starting at row o: pairs of batch rows, then the odd one.
template <int R>
void row_block(int64_t batch, int64_t in, int64_t out, int64_t o, const float* x, int64_t x_stride,
               const float* W, const float* bias, float* y, bool accumulate) {
  const float* Wo = W + o * in;                    // (R, in)
  const float* bias_o = bias ? bias + o : nullptr;  // (R)
  int64_t b = 0;
  for (; b + 2 <= batch; b += 2)
    block<R, 2>(in, out, x + b * x_stride, x_stride, Wo, bias_o, y + b * out + o, accumulate);
  if (b < batch) block<R, 1>(in, out, x + b * x_stride, x_stride, Wo, bias_o, y + b * out + o, accumulate);
}

// y[0, 8V) (the last vector only its first `last_valid` lanes when kMasked) = Σ_r x[r] M_r[…]:
// even rows into one set of V accumulators, odd rows into another (2V FMA chains), summed at the end.
template <int V, bool kMasked>
void column_block(int64_t k, const float* x, const float* M, int64_t m_stride, float* y, int64_t last_valid) {
  const __m256i mask = partial_mask(kMasked ? last_valid : 8);
  const auto load = [&](const float* p, int v) {
    return kMasked && v == V - 1 ? _mm256_maskload_ps(p, mask) : _mm256_loadu_ps(p);
  };
  __m256 even[V], odd[V];
  for (int v = 0; v < V; ++v) even[v] = odd[v] = _mm256_setzero_ps();
  int64_t r = 0;
  for (; r + 2 <= k; r += 2) {
    const __m256 x0 = _mm256_broadcast_ss(x + r), x1 = _mm256_broadcast_ss(x + r + 1);
    const float* m0 = M + r * m_stride;
    const float* m1 = m0 + m_stride;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      even[v] = _mm256_fmadd_ps(x0, load(m0 + 8 * v, v), even[v]);
      odd[v] = _mm256_fmadd_ps(x1, load(m1 + 8 * v, v), odd[v]);
    }
  }
  if (r < k) {
    const __m256 x0 = _mm256_broadcast_ss(x + r);
    for (int v = 0; v < V; ++v) even[v] = _mm256_fmadd_ps(x0, load(M + r * m_stride + 8 * v, v), even[v]);
  }
  for (int v = 0; v < V; ++v) {
    const __m256 sum = _mm256_add_ps(even[v], odd[v]);
    if (kMasked && v == V - 1) _mm256_maskstore_ps(y + 8 * v, mask, sum);
    else _mm256_storeu_ps(y + 8 * v, sum);
  }
}

}  // namespace

void vector_matrix(int64_t k, int64_t n, const float* x, const float* M, int64_t m_stride, float* y) {
  constexpr int64_t kBlock = 32;  // columns per register block: 4 vectors × 2 row parities
  int64_t j = 0;
  for (; j + kBlock <= n; j += kBlock) column_block<4, false>(k, x, M + j, m_stride, y + j, 8);
  const int64_t rest = n - j, vectors = (rest + 7) / 8, last_valid = rest - 8 * (vectors - 1);
  switch (vectors) {
    case 1: column_block<1, true>(k, x, M + j, m_stride, y + j, last_valid); break;
    case 2: column_block<2, true>(k, x, M + j, m_stride, y + j, last_valid); break;
    case 3: column_block<3, true>(k, x, M + j, m_stride, y + j, last_valid); break;
    case 4: column_block<4, true>(k, x, M + j, m_stride, y + j, last_valid); break;
    default: break;  // n is a multiple of kBlock
  }
}

void gemv(int64_t batch, int64_t in, int64_t out, const float* x, int64_t x_stride, const float* W,
          const float* bias, float* y, bool accumulate) {
  int64_t o = 0;
  for (; o + kRows <= out; o += kRows) row_block<kRows>(batch, in, out, o, x, x_stride, W, bias, y, accumulate);
  for (; o < out; ++o) row_block<1>(batch, in, out, o, x, x_stride, W, bias, y, accumulate);
}

#else

void vector_matrix(int64_t k, int64_t n, const float* x, const float* M, int64_t m_stride, float* y) {
  vector_matrix_portable(k, n, x, M, m_stride, y);
}

void gemv(int64_t batch, int64_t in, int64_t out, const float* x, int64_t x_stride, const float* W,
          const float* bias, float* y, bool accumulate) {
  gemv_portable(batch, in, out, x, x_stride, W, bias, y, accumulate);
}

#endif

void rms_norm(const float* x, const float* weight, float eps, int64_t n, float* y) {
  float squares = 0;
#pragma omp simd reduction(+ : squares)
  for (int64_t i = 0; i < n; ++i) squares += x[i] * x[i];
  const float scale = 1.0f / std::sqrt(squares / static_cast<float>(n) + eps);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * weight[i];
}

void layer_norm(const float* x, const float* weight, const float* bias, float eps, int64_t n, float* y) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(n);
  float squares = 0;
#pragma omp simd reduction(+ : squares)
  for (int64_t i = 0; i < n; ++i) squares += (x[i] - mean) * (x[i] - mean);
  const float scale = 1.0f / std::sqrt(squares / static_cast<float>(n) + eps);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * scale * weight[i] + bias[i];
}

// GELU(x) = x Φ(x), Φ by vnormal_cdf (vector_math.h).
void gelu(float* x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) x[i] = vgelu(x[i]);
}

void silu(float* x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) x[i] = vsilu(x[i]);
}

void softplus(float* x, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) x[i] = vsoftplus(x[i]);
}

}  // namespace fl::kernels
