// Fused RMSNorm with a hand-written backward, and its libtorch reference. Math, shapes, memory
// and determinism: see rms_norm.h.
#include "kernels/rms_norm.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "kernels/kernel_mode.h"
#include "kernels/parallel.h"

namespace fl::kernels {
namespace {

constexpr int64_t kRowBlock = 32;  // rows per work unit (and per dweight partial)

int64_t n_row_blocks(int64_t R) { return (R + kRowBlock - 1) / kRowBlock; }

// One row: y = x · rstd ⊙ weight; returns rstd = 1 / √(Σ x² / D + eps).
template <typename T>
T row_forward(const T* x /* (D) */, const T* weight /* (D) */, T eps, int64_t D, T* y /* (D) */) {
  T sum_sq = 0;
#pragma omp simd reduction(+ : sum_sq)
  for (int64_t d = 0; d < D; ++d) sum_sq += x[d] * x[d];
  const T rstd = T(1) / std::sqrt(sum_sq / T(D) + eps);
#pragma omp simd
  for (int64_t d = 0; d < D; ++d) y[d] = x[d] * rstd * weight[d];
  return rstd;
}

// One row, with x̂ = x · rstd and g = weight ⊙ dy:
//   c = Σ x̂ ⊙ g / D;   dx = rstd · (g − x̂ · c);   dweight += dy ⊙ x̂
// dx is written, or added to when kAccumulate.
template <bool kAccumulate, typename T>
void row_backward(const T* x /* (D) */, const T* weight /* (D) */, const T* dy /* (D) */, T rstd,
                  int64_t D, T* dx /* (D) */, T* dweight /* (D) */) {
  T dot = 0;  // Σ x ⊙ g, so c = dot · rstd / D
#pragma omp simd reduction(+ : dot)
  for (int64_t d = 0; d < D; ++d) dot += x[d] * weight[d] * dy[d];
  const T c = dot * rstd / T(D);
#pragma omp simd
  for (int64_t d = 0; d < D; ++d) {
    const T x_hat = x[d] * rstd;
    const T grad = rstd * (weight[d] * dy[d] - x_hat * c);
    dx[d] = kAccumulate ? dx[d] + grad : grad;
    dweight[d] += dy[d] * x_hat;
  }
}

}  // namespace

template <typename T>
void rms_norm_forward(const T* x /* (R, D) */, const T* weight /* (D) */, T eps, int64_t R, int64_t D,
                      T* y /* (R, D) */, T* rstd /* (R) */) {
  at::parallel_for(0, R, grain(D), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      rstd[r] = row_forward(x + r * D, weight, eps, D, y + r * D);
  });
}

int64_t rms_norm_backward_parts(int64_t R, int64_t D) { return n_row_blocks(R) * D; }

// Parallel over blocks of kRowBlock rows; each block adds into its own dweight partial, and the
// partials are summed in block order.
template <typename T>
void rms_norm_backward(const T* x /* (R, D) */, const T* weight /* (D) */, const T* rstd /* (R) */,
                       const T* dy /* (R, D) */, int64_t R, int64_t D, T* dx /* (R, D) */, bool accumulate,
                       T* parts /* (n_row_blocks, D) */, T* dweight /* (D) */) {
  std::fill(parts, parts + rms_norm_backward_parts(R, D), T(0));
  at::parallel_for(0, n_row_blocks(R), grain(kRowBlock * D), [&](int64_t begin, int64_t end) {
    for (int64_t block = begin; block < end; ++block)
      for (int64_t r = block * kRowBlock; r < std::min(R, (block + 1) * kRowBlock); ++r)
        (accumulate ? row_backward<true, T> : row_backward<false, T>)(x + r * D, weight, dy + r * D, rstd[r], D,
                                                                      dx + r * D, parts + block * D);
  });
  sum_parts(parts, n_row_blocks(R), D, dweight);
}

template void rms_norm_forward<float>(const float*, const float*, float, int64_t, int64_t, float*, float*);
template void rms_norm_forward<double>(const double*, const double*, double, int64_t, int64_t, double*, double*);
template void rms_norm_backward<float>(const float*, const float*, const float*, const float*, int64_t, int64_t,
                                       float*, bool, float*, float*);
template void rms_norm_backward<double>(const double*, const double*, const double*, const double*, int64_t,
                                        int64_t, double*, bool, double*, double*);

namespace {

void check_inputs(const char* fn, const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) >= 1, fn, ": x must be (..., D) with D ≥ 1, got ",
              x.sizes());
  const int64_t D = x.size(-1);
  TORCH_CHECK(weight.dim() == 1 && weight.size(0) == D, fn, ": weight must be (D=", D, "), got ",
              weight.sizes());
  TORCH_CHECK(eps >= 0, fn, ": eps must be ≥ 0, got ", eps);
  TORCH_CHECK(x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble, fn,
              ": float32 or float64 only, got ", x.scalar_type());
  TORCH_CHECK(weight.scalar_type() == x.scalar_type(), fn, ": weight must be ", x.scalar_type(),
              ", got ", weight.scalar_type());
}

struct RmsNormFunction : torch::autograd::Function<RmsNormFunction> {
  // x and weight are contiguous, checked, and on the CPU.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, double eps) {
    const int64_t D = x.size(-1), R = x.numel() / D;
    auto y = torch::empty_like(x);               // (..., D)
    auto rstd = torch::empty({R}, x.options());  // (R)
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rms_norm_forward", [&] {
      using T = scalar_t;
      rms_norm_forward(x.data_ptr<T>(), weight.data_ptr<T>(), static_cast<T>(eps), R, D,
                       y.data_ptr<T>(), rstd.data_ptr<T>());
    });
    ctx->save_for_backward({x, weight, rstd});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1], &rstd = saved[2];
    const auto dy = grad_outputs[0].contiguous();  // (..., D)
    const int64_t D = x.size(-1), R = x.numel() / D;
    auto dx = torch::empty_like(x);                                                // (..., D)
    auto dweight_parts = torch::empty({rms_norm_backward_parts(R, D)}, x.options());  // (n_blocks · D)
    auto dweight = torch::empty({D}, x.options());                                 // (D)
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rms_norm_backward", [&] {
      using T = scalar_t;
      rms_norm_backward(x.data_ptr<T>(), weight.data_ptr<T>(), rstd.data_ptr<T>(), dy.data_ptr<T>(), R, D,
                        dx.data_ptr<T>(), false, dweight_parts.data_ptr<T>(), dweight.data_ptr<T>());
    });
    return {dx, dweight, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  return fused() ? rms_norm_fused(x, weight, eps) : rms_norm_reference(x, weight, eps);
}

torch::Tensor rms_norm_fused(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  check_inputs("rms_norm", x, weight, eps);
  for (const auto* t : {&x, &weight})
    TORCH_CHECK(t->device().is_cpu(), "rms_norm: CPU tensors only, got ", t->device());
  return RmsNormFunction::apply(x.contiguous(), weight.contiguous(), eps);
}

// Today's model code (src/models/norm.cpp).
torch::Tensor rms_norm_reference(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  check_inputs("rms_norm_reference", x, weight, eps);
  return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps) * weight;
}

}  // namespace fl::kernels
