// Dense kernels on raw float32 buffers for one decoding step (src/infer/step_engine.h): a batched
// matrix–vector product and the per-row helpers around it. No tensors, no autograd, no threads:
// a step has too little work per op for a parallel region or libtorch's dispatch to pay off.
//
//   gemv        y (B, out) = x (B, in) · Wᵀ + bias      W (out, in) row-major, as torch Linear;
//               or y += x · Wᵀ + bias (accumulate: the residual add fused in). B small (1..64).
//               AVX2/FMA: 4 output rows per register block, FMA over `in`, 2 batch rows share
//               each loaded W vector, and a block of W is reused by every batch row while it is
//               in L1 (W streams from memory once per call). Portable C++ otherwise.
//   vector_matrix  y (n) = x (k) · M (k, n), M's rows m_stride apart: each y[j] sums down a
//               column (attention's q·Kᵀ over a transposed key cache, and p·V). AVX2/FMA: 32
//               columns per register block, even and odd rows into separate accumulators.
//   dot         Σ a[i] b[i]
//   rms_norm    y = x · rsqrt(mean x² + eps) · w                           (one row of n)
//   layer_norm  y = (x − mean) · rsqrt(var + eps) · w + b, biased var     (one row of n)
//               both may write in place (y = x): y is written after x's last read
//   gelu        x ← x · ½ (1 + erf(x/√2)), erf by Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7,
//               the formula of libtorch's AVX2 erf), e^x by vexp
//   silu        x ← x · σ(x)
//   softplus    x ← x if x > 20, else ln(1 + eˣ)  (Mamba's dt, torch softplus threshold 20)
//
// Determinism: every function is single-threaded with a fixed summation order, so results are
// bit-identical run to run; the AVX2 and portable paths differ only in summation order.
#pragma once
#include <cstdint>

namespace fl::kernels {

// y (B, out) = x (B, in) · Wᵀ + bias, or y += … when accumulate. Row b of x starts at
// x + b·x_stride (x_stride ≥ in); W (out, in); bias (out) or nullptr; y (B, out) contiguous.
void gemv(int64_t batch, int64_t in, int64_t out, const float* x, int64_t x_stride, const float* W,
          const float* bias, float* y, bool accumulate = false);

// The same in portable C++: the path of builds without AVX2/FMA, and the tests' yardstick.
void gemv_portable(int64_t batch, int64_t in, int64_t out, const float* x, int64_t x_stride,
                   const float* W, const float* bias, float* y, bool accumulate = false);

// y (n) = x (k) · M (k, n); row r of M starts at M + r·m_stride (m_stride ≥ n).
void vector_matrix(int64_t k, int64_t n, const float* x, const float* M, int64_t m_stride, float* y);
void vector_matrix_portable(int64_t k, int64_t n, const float* x, const float* M, int64_t m_stride, float* y);

inline float dot(const float* a, const float* b, int64_t n) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void rms_norm(const float* x, const float* weight, float eps, int64_t n, float* y);
void layer_norm(const float* x, const float* weight, const float* bias, float eps, int64_t n, float* y);

void gelu(float* x, int64_t n);
void silu(float* x, int64_t n);
void softplus(float* x, int64_t n);

}  // namespace fl::kernels
