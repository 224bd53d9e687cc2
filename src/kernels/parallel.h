// Shared pieces of the kernels' parallel loops (header-only).
//   grain(work)      work items per at::parallel_for task when one item costs `work` element-steps:
//                    small problems stay on one thread instead of paying for a parallel region.
//   sum_parts(...)   out[i] = Σ_p parts[p·size + i], added in increasing p: how the kernels reduce
//                    per-work-unit partial gradients, with the same bits whatever the thread count.
#pragma once
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>

namespace fl::kernels {

inline int64_t grain(int64_t work) {
  return std::max<int64_t>(1, at::internal::GRAIN_SIZE / std::max<int64_t>(1, work));
}

template <typename T>
void sum_parts(const T* parts, int64_t n_parts, int64_t size, T* out) {
  at::parallel_for(0, size, grain(n_parts), [&](int64_t begin, int64_t end) {
    std::copy(parts + begin, parts + end, out + begin);
    for (int64_t p = 1; p < n_parts; ++p) {
      const T* part = parts + p * size;
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] += part[i];
    }
  });
}

}  // namespace fl::kernels
