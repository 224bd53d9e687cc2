// LayerNorm forward and backward on raw buffers (math, shapes, determinism: layer_norm.h).
#include "kernels/layer_norm.h"

#include <algorithm>
#include <cmath>

#include "kernels/parallel.h"

namespace fl::kernels {
namespace {

constexpr int64_t kRowBlock = 32;  // rows per work unit (and per dweight/dbias partial)

int64_t n_row_blocks(int64_t R) { return (R + kRowBlock - 1) / kRowBlock; }

}  // namespace

template <typename T>
void layer_norm_forward(const T* x /* (R, D) */, const T* weight /* (D) */, const T* bias /* (D) */, T eps, int64_t R,
                        int64_t D, T* y /* (R, D) */, T* mean /* (R) */, T* rstd /* (R) */) {
  at::parallel_for(0, R, grain(2 * D), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* xr = x + r * D;
      T* yr = y + r * D;
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t d = 0; d < D; ++d) sum += xr[d];
      const T mu = sum / T(D);
      T sum_sq = 0;
#pragma omp simd reduction(+ : sum_sq)
      for (int64_t d = 0; d < D; ++d) sum_sq += (xr[d] - mu) * (xr[d] - mu);
      const T s = T(1) / std::sqrt(sum_sq / T(D) + eps);
#pragma omp simd
      for (int64_t d = 0; d < D; ++d) yr[d] = (xr[d] - mu) * s * weight[d] + bias[d];
      mean[r] = mu, rstd[r] = s;
    }
  });
}

int64_t layer_norm_backward_parts(int64_t R, int64_t D) { return n_row_blocks(R) * 2 * D; }

template <typename T>
void layer_norm_backward(const T* x /* (R, D) */, const T* weight /* (D) */, const T* mean /* (R) */,
                         const T* rstd /* (R) */, const T* dy /* (R, D) */, int64_t R, int64_t D, T* dx /* (R, D) */,
                         bool accumulate, T* parts /* (n_blocks, 2, D) */, T* dweight /* (D) */, T* dbias /* (D) */) {
  const int64_t n_blocks = n_row_blocks(R);
  std::fill(parts, parts + n_blocks * 2 * D, T(0));
  at::parallel_for(0, n_blocks, grain(kRowBlock * 3 * D), [&](int64_t begin, int64_t end) {
    for (int64_t block = begin; block < end; ++block) {
      T* dw = parts + block * 2 * D;  // (D)
      T* db = dw + D;                 // (D)
      for (int64_t r = block * kRowBlock; r < std::min(R, (block + 1) * kRowBlock); ++r) {
        const T *xr = x + r * D, *dyr = dy + r * D;
        const T mu = mean[r], s = rstd[r];
        T sum_g = 0, sum_gx = 0;  // Σ g, Σ g x̂
#pragma omp simd reduction(+ : sum_g, sum_gx)
        for (int64_t d = 0; d < D; ++d) {
          const T g = weight[d] * dyr[d];
          sum_g += g;
          sum_gx += g * (xr[d] - mu) * s;
        }
        const T mean_g = sum_g / T(D), mean_gx = sum_gx / T(D);
        T* dxr = dx + r * D;
#pragma omp simd
        for (int64_t d = 0; d < D; ++d) {
          const T x_hat = (xr[d] - mu) * s;
          const T grad = s * (weight[d] * dyr[d] - mean_g - x_hat * mean_gx);
          dxr[d] = accumulate ? dxr[d] + grad : grad;
          dw[d] += dyr[d] * x_hat;
          db[d] += dyr[d];
        }
      }
    }
  });
  for (int64_t d = 0; d < D; ++d) {
    T w = 0, b = 0;
    for (int64_t block = 0; block < n_blocks; ++block) w += parts[block * 2 * D + d], b += parts[block * 2 * D + D + d];
    dweight[d] = w, dbias[d] = b;
  }
}

template void layer_norm_forward<float>(const float*, const float*, const float*, float, int64_t, int64_t, float*,
                                        float*, float*);
template void layer_norm_forward<double>(const double*, const double*, const double*, double, int64_t, int64_t,
                                         double*, double*, double*);
template void layer_norm_backward<float>(const float*, const float*, const float*, const float*, const float*, int64_t,
                                         int64_t, float*, bool, float*, float*, float*);
template void layer_norm_backward<double>(const double*, const double*, const double*, const double*, const double*,
                                          int64_t, int64_t, double*, bool, double*, double*, double*);

}  // namespace fl::kernels
