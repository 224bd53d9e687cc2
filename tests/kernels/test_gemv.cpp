// The step engine's dense kernels (src/kernels/gemv.h): gemv and vector_matrix, the AVX2 build's
// and the portable ones, against libtorch (the kernel-case harness, support/kernel_case.h; raw
// float32 pointers, no autograd: outputs only), and the row helpers against libtorch.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "kernels/gemv.h"
#include "support/kernel_case.h"

namespace fl {
namespace {

using namespace test_support;
namespace F = torch::nn::functional;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

using Gemv = void (*)(int64_t, int64_t, int64_t, const float*, int64_t, const float*, const float*, float*, bool);

struct GemvShape {
  int64_t batch, out, in;
  bool bias, accumulate;
};

// x (B, in) with rows in + 3 apart (a narrowed view; one row is contiguous), W (out, in), bias
// (out) when given, and y (B, out) when accumulated into; an overwritten y starts as NaN, so a
// kernel that read it would fail. Tolerance 1e-5 relative to max Σ|x||W| (float32 rounding of a
// dot product of ≤ 300 terms in a different order).
KernelCase gemv_case(Gemv gemv, const std::string& kernel, GemvShape s) {
  KernelCase c;
  c.name = kernel + "_" + dims_name({{"B", s.batch}, {"out", s.out}, {"in", s.in}}) + (s.bias ? "_bias" : "") +
           (s.accumulate ? "_accumulate" : "");
  c.inputs = {{"x", {s.batch, s.in}, normal(), s.batch > 1 ? narrowed(0, s.in + 3) : Layout{}}, {"W", {s.out, s.in}}};
  if (s.bias) c.inputs.push_back({"bias", {s.out}});
  if (s.accumulate) c.inputs.push_back({"y", {s.batch, s.out}});
  c.fused = [gemv, s](const Tensors& a) {
    torch::Tensor y = s.accumulate ? a.back().clone() : torch::full({s.batch, s.out}, kNaN);
    gemv(s.batch, s.in, s.out, a[0].data_ptr<float>(), a[0].stride(0), a[1].data_ptr<float>(),
         s.bias ? a[2].data_ptr<float>() : nullptr, y.data_ptr<float>(), s.accumulate);
    return y;
  };
  c.reference = [s](const Tensors& a) {
    const torch::Tensor y = s.bias ? torch::linear(a[0], a[1], a[2]) : torch::linear(a[0], a[1]);
    return s.accumulate ? a.back() + y : y;
  };
  c.output_scale = [](const Tensors& a) { return torch::matmul(a[0].abs(), a[1].abs().t()).max().item<double>(); };
  c.differentiable = false;
  c.checks = kFloat32;
  return c;
}

// Sizes not multiples of the 4-row block or the 8-float vector, B odd and even, strided x rows,
// with and without bias, overwrite and accumulate.
std::vector<KernelCase> gemv_cases() {
  std::vector<KernelCase> cases;
  for (const auto& [gemv, kernel] : {std::pair{kernels::gemv, "gemv"}, std::pair{kernels::gemv_portable, "portable"}})
    for (const int64_t batch : {1, 2, 3, 8})
      for (const auto& [out, in] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {3, 7}, {4, 8}, {5, 13}, {37, 130}, {64, 256}})
        for (const bool accumulate : {false, true})
          for (const bool bias : {false, true}) cases.push_back(gemv_case(gemv, kernel, {batch, out, in, bias, accumulate}));
  return cases;
}
FL_KERNEL_TESTS(Gemv, gemv_cases);

using VectorMatrix = void (*)(int64_t, int64_t, const float*, const float*, int64_t, float*);

// x (k), M (k, n) with rows n + 5 apart (one row is contiguous); y starts as NaN. Same tolerance
// as gemv, relative to max Σ|x||M|.
KernelCase vector_matrix_case(VectorMatrix vector_matrix, const std::string& kernel, int64_t k, int64_t n) {
  KernelCase c;
  c.name = kernel + "_" + dims_name({{"k", k}, {"n", n}});
  c.inputs = {{"x", {k}}, {"M", {k, n}, normal(), k > 1 ? narrowed(0, n + 5) : Layout{}}};
  c.fused = [vector_matrix, k, n](const Tensors& a) {
    torch::Tensor y = torch::full({n}, kNaN);
    vector_matrix(k, n, a[0].data_ptr<float>(), a[1].data_ptr<float>(), a[1].stride(0), y.data_ptr<float>());
    return y;
  };
  c.reference = [](const Tensors& a) { return torch::matmul(a[0], a[1]); };
  c.output_scale = [](const Tensors& a) { return torch::matmul(a[0].abs(), a[1].abs()).max().item<double>(); };
  c.differentiable = false;
  c.checks = kFloat32;
  return c;
}

// Odd k (the unpaired last row), n below, at and across the 32-column block and the 8-float
// vector, strided rows.
std::vector<KernelCase> vector_matrix_cases() {
  std::vector<KernelCase> cases;
  for (const auto& [vector_matrix, kernel] :
       {std::pair{kernels::vector_matrix, "avx"}, std::pair{kernels::vector_matrix_portable, "portable"}})
    for (const auto& [k, n] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {2, 5}, {3, 8}, {7, 31}, {32, 32}, {33, 70}, {130, 9}})
      cases.push_back(vector_matrix_case(vector_matrix, kernel, k, n));
  return cases;
}
FL_KERNEL_TESTS(VectorMatrix, vector_matrix_cases);

float max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<float>(); }

// GELU within 2e-7·(1 + |x|) of the double-precision formula (erf's absolute error ≤ 1.5e-7, plus
// rounding; libtorch's own float GELU is held to the same bound); the others to a few ulp.
TEST(RowHelpers, MatchLibtorch) {
  torch::manual_seed(2);
  auto x = torch::cat({torch::randn({1000}) * 4, torch::tensor({-30.f, -10.f, 0.f, 19.9f, 20.f, 20.1f, 40.f})});
  const int64_t n = x.numel();
  const auto relative_error = [](const torch::Tensor& got, const torch::Tensor& want) {
    return ((got - want).abs() / want.abs().clamp_min(1e-3)).max().item<float>();
  };
  auto g = x.clone();
  kernels::gelu(g.data_ptr<float>(), n);
  auto x64 = x.to(torch::kFloat64);
  const auto exact = 0.5 * x64 * (1 + torch::erf(x64 / std::sqrt(2.0)));
  const auto gelu_error = [&](const torch::Tensor& got) {
    return ((got.to(torch::kFloat64) - exact).abs() / (1 + x64.abs())).max().item<double>();
  };
  EXPECT_LE(gelu_error(torch::gelu(x)), 2e-7);
  EXPECT_LE(gelu_error(g), 2e-7);
  auto si = x.clone();
  kernels::silu(si.data_ptr<float>(), n);
  EXPECT_LE(relative_error(si, torch::silu(x)), 1e-6);
  auto sp = x.clone();
  kernels::softplus(sp.data_ptr<float>(), n);
  EXPECT_LE(relative_error(sp, F::softplus(x)), 1e-6);

  const int64_t D = 37;
  auto row = torch::randn({D}) * 3 + 1, w = torch::randn({D}), b = torch::randn({D});
  auto y = torch::empty({D});
  kernels::rms_norm(row.data_ptr<float>(), w.data_ptr<float>(), 1e-5f, D, y.data_ptr<float>());
  EXPECT_LE(max_abs_diff(y, row * torch::rsqrt(row.pow(2).mean() + 1e-5) * w), 1e-5);
  kernels::layer_norm(row.data_ptr<float>(), w.data_ptr<float>(), b.data_ptr<float>(), 1e-5f, D, y.data_ptr<float>());
  EXPECT_LE(max_abs_diff(y, torch::layer_norm(row, {D}, w, b, 1e-5)), 1e-5);
  EXPECT_NEAR(kernels::dot(row.data_ptr<float>(), w.data_ptr<float>(), D), torch::dot(row, w).item<float>(), 1e-4);
}

}  // namespace
}  // namespace fl
