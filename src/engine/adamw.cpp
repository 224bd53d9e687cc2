#include "engine/adamw.h"

#include <cmath>

#include "kernels/parallel.h"

namespace fl::engine {

template <typename T>
FlatAdamW<T>::FlatAdamW(FlatParameters<T>& params, const AdamWOptions& options)
    : params_(params), options_(options), exp_avg_(params.size(), T(0)), exp_avg_sq_(params.size(), T(0)) {}

template <typename T>
void FlatAdamW<T>::step(double lr) {
  ++steps_;
  const double t = static_cast<double>(steps_);
  const T beta1 = T(options_.beta1), beta2 = T(options_.beta2);
  const T one_minus_beta1 = T(1 - options_.beta1), one_minus_beta2 = T(1 - options_.beta2);
  const T sqrt_correction2 = T(std::sqrt(1 - std::pow(options_.beta2, t)));
  const T neg_step_size = T(-(lr / (1 - std::pow(options_.beta1, t))));
  const T eps = T(options_.eps);
  T* p = params_.values();
  const T* g = params_.grads();
  T *m = exp_avg_.data(), *v = exp_avg_sq_.data();
  for (const auto& slot : params_.slots()) {
    const bool decay = slot.decay && options_.weight_decay != 0;
    const T shrink = T(1 - lr * options_.weight_decay);
    at::parallel_for(slot.offset, slot.offset + slot.numel, 8192, [&](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) {
        const T p_i = decay ? p[i] * shrink : p[i];
        m[i] = m[i] * beta1 + one_minus_beta1 * g[i];
        v[i] = v[i] * beta2 + one_minus_beta2 * g[i] * g[i];
        const T denom = std::sqrt(v[i]) / sqrt_correction2 + eps;
        p[i] = p_i + neg_step_size * (m[i] / denom);
      }
    });
  }
}

template <typename T>
double clip_grad_norm(FlatParameters<T>& params, double max_norm) {
  T* g = params.grads();
  double sum_squares = 0;  // Σ_p ‖g_p‖², each ‖g_p‖ rounded to T as torch's per-tensor norm
  for (const auto& slot : params.slots()) {
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = slot.offset; i < slot.offset + slot.numel; ++i) s += double(g[i]) * double(g[i]);
    const double norm = static_cast<double>(static_cast<T>(std::sqrt(s)));
    sum_squares += norm * norm;
  }
  const T total = static_cast<T>(std::sqrt(sum_squares));
  const T coef = std::min(T(1), static_cast<T>(T(max_norm) / (total + T(1e-6))));
  if (coef < T(1)) {
    const int64_t n = params.size();
    at::parallel_for(0, n, 8192, [&](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) g[i] *= coef;
    });
  }
  return static_cast<double>(total);
}

template class FlatAdamW<float>;
template class FlatAdamW<double>;
template double clip_grad_norm<float>(FlatParameters<float>&, double);
template double clip_grad_norm<double>(FlatParameters<double>&, double);

}  // namespace fl::engine
