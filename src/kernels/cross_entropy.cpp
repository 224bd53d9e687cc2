// Mean softmax cross-entropy with its gradient (math and determinism: cross_entropy.h).
#include "kernels/cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/parallel.h"
#include "kernels/vector_math.h"

namespace fl::kernels {

template <typename T>
double cross_entropy_forward_backward(const T* logits /* (n, V) */, const int64_t* targets /* (n) */, int64_t n,
                                      int64_t V, T* dlogits /* (n, V) */, double* row_losses /* (n) */) {
  const T inv_n = T(1) / T(n);
  at::parallel_for(0, n, grain(4 * V), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T* x = logits + i * V;
      T* g = dlogits + i * V;
      T max = -std::numeric_limits<T>::infinity();
      for (int64_t v = 0; v < V; ++v) max = std::max(max, x[v]);
      const T target_logit = x[targets[i]];
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t v = 0; v < V; ++v) {
        g[v] = vexp(x[v] - max);
        sum += g[v];
      }
      const T scale = inv_n / sum;
#pragma omp simd
      for (int64_t v = 0; v < V; ++v) g[v] *= scale;
      g[targets[i]] -= inv_n;
      row_losses[i] = static_cast<double>(max + std::log(sum) - target_logit);
    }
  });
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += row_losses[i];
  return total / static_cast<double>(n);
}

template double cross_entropy_forward_backward<float>(const float*, const int64_t*, int64_t, int64_t, float*, double*);
template double cross_entropy_forward_backward<double>(const double*, const int64_t*, int64_t, int64_t, double*,
                                                       double*);

}  // namespace fl::kernels
