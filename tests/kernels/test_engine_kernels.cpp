// The raw kernels only the flat engine calls (src/engine/): matrix products (both
// implementations), LayerNorm, softmax cross-entropy and GELU, each against the libtorch op the
// libtorch path runs (torch::mm, torch::layer_norm, cross_entropy, torch::gelu) and, for the
// hand-written backwards, against central finite differences in float64.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "kernels/cross_entropy.h"
#include "kernels/gemm.h"
#include "kernels/layer_norm.h"
#include "kernels/vector_math.h"

namespace fl::kernels {
namespace {

torch::Tensor randn(std::vector<int64_t> shape, torch::Dtype dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randn(shape, gen, torch::TensorOptions().dtype(dtype));
}

template <typename T>
T* ptr(const torch::Tensor& t) {
  return t.data_ptr<T>();
}

void expect_close(const torch::Tensor& got, const torch::Tensor& want, double tol, const std::string& what) {
  const double scale = std::max(want.abs().max().item<double>(), 1.0);
  EXPECT_LE((got - want).abs().max().item<double>(), tol * scale) << what;
}

// Central differences of loss(x) = Σ w ⊙ f(x) against `analytic` (its gradient), in float64:
// f writes its output for the current x (which this function perturbs in place).
void expect_matches_finite_differences(torch::Tensor x, const std::function<torch::Tensor()>& f,
                                       const torch::Tensor& w, const torch::Tensor& analytic, const std::string& what) {
  const double eps = 1e-6;
  auto flat = x.view({-1});
  const auto grad = analytic.reshape({-1});
  for (int64_t i = 0; i < flat.numel(); ++i) {
    const double orig = flat[i].item<double>();
    flat[i] = orig + eps;
    const double up = (f() * w).sum().item<double>();
    flat[i] = orig - eps;
    const double down = (f() * w).sum().item<double>();
    flat[i] = orig;
    const double fd = (up - down) / (2 * eps);
    EXPECT_NEAR(grad[i].item<double>(), fd, 1e-6 * (1 + std::abs(fd))) << what << " [" << i << "]";
  }
}

// ---------------------------------------------------------------------------------------------
// Matrix products

struct GemmCase {
  Trans ta, tb;
  int64_t M, N, K;
};

// op(A) (M, K), op(B) (K, N) with padded leading dimensions; C (M, N) with ldc = N + 3.
template <typename T>
void expect_gemm_matches_mm(const GemmCase& c, bool blocked, bool accumulate) {
  const auto dtype = c10::CppTypeToScalarType<T>::value;
  const int64_t a_rows = c.ta == Trans::kNo ? c.M : c.K, a_cols = c.ta == Trans::kNo ? c.K : c.M;
  const int64_t b_rows = c.tb == Trans::kNo ? c.K : c.N, b_cols = c.tb == Trans::kNo ? c.N : c.K;
  const auto A = randn({a_rows, a_cols + 2}, dtype, 1), B = randn({b_rows, b_cols + 1}, dtype, 2);
  const auto C0 = randn({c.M, c.N + 3}, dtype, 3);
  auto C = C0.clone();
  const auto a = A.narrow(1, 0, a_cols), b = B.narrow(1, 0, b_cols);
  auto want = torch::mm(c.ta == Trans::kNo ? a : a.t(), c.tb == Trans::kNo ? b : b.t());
  if (accumulate) want += C0.narrow(1, 0, c.N);
  if (!blocked) {
    gemm_blas(c.ta, c.tb, c.M, c.N, c.K, ptr<T>(A), A.size(1), ptr<T>(B), B.size(1), ptr<T>(C), C.size(1), accumulate);
  } else {
    auto packed = (c.tb == Trans::kNo ? b : b.t()).contiguous();  // (K, N)
    if (c.tb == Trans::kTrans) {
      auto mine = torch::empty({c.K, c.N}, dtype);
      pack_transposed(ptr<T>(b.contiguous()), c.N, c.K, ptr<T>(mine));
      EXPECT_TRUE(torch::equal(mine, packed));
    }
    gemm_blocked(c.ta, c.M, c.N, c.K, ptr<T>(A), A.size(1), ptr<T>(packed), c.N, ptr<T>(C), C.size(1), accumulate);
  }
  const std::string what = std::string(blocked ? "blocked" : "blas") + " M" + std::to_string(c.M) + " N" +
                           std::to_string(c.N) + " K" + std::to_string(c.K) + (accumulate ? " +=" : "");
  expect_close(C.narrow(1, 0, c.N), want, std::is_same_v<T, float> ? 1e-5 : 1e-12, what);
  EXPECT_TRUE(torch::equal(C.narrow(1, c.N, 3), C0.narrow(1, c.N, 3))) << what << ": wrote past N";
}

const std::vector<GemmCase> kGemmCases = {
    {Trans::kNo, Trans::kTrans, 13, 37, 33}, {Trans::kNo, Trans::kTrans, 70, 18, 64},
    {Trans::kNo, Trans::kNo, 29, 64, 7},     {Trans::kNo, Trans::kNo, 6, 5, 300},
    {Trans::kTrans, Trans::kNo, 40, 33, 300}, {Trans::kTrans, Trans::kNo, 3, 2, 1},
    {Trans::kNo, Trans::kTrans, 1, 1, 1},    {Trans::kNo, Trans::kNo, 100, 130, 2}};

TEST(Gemm, BothImplementationsMatchTorchMm) {
  for (const auto& c : kGemmCases)
    for (bool blocked : {false, true})
      for (bool accumulate : {false, true}) {
        expect_gemm_matches_mm<float>(c, blocked, accumulate);
        expect_gemm_matches_mm<double>(c, blocked, accumulate);
      }
}

TEST(Gemm, DispatchMatchesTorchMmAtEngineShapes) {
  // Row counts and widths of the quick suite's models, through gemm()'s own choice.
  for (const GemmCase& c : {GemmCase{Trans::kNo, Trans::kTrans, 1008, 128, 32}, GemmCase{Trans::kNo, Trans::kNo, 1008, 64, 18},
                            GemmCase{Trans::kTrans, Trans::kNo, 64, 2, 1008}, GemmCase{Trans::kNo, Trans::kTrans, 1008, 12, 32}}) {
    const auto A = randn({c.ta == Trans::kNo ? c.M : c.K, c.ta == Trans::kNo ? c.K : c.M}, torch::kFloat, 4);
    const auto B = randn({c.tb == Trans::kNo ? c.K : c.N, c.tb == Trans::kNo ? c.N : c.K}, torch::kFloat, 5);
    auto C = torch::empty({c.M, c.N});
    gemm(c.ta, c.tb, c.M, c.N, c.K, ptr<float>(A), A.size(1), ptr<float>(B), B.size(1), ptr<float>(C), c.N, false);
    expect_close(C, torch::mm(c.ta == Trans::kNo ? A : A.t(), c.tb == Trans::kNo ? B : B.t()), 1e-5, "gemm");
  }
}

// ---------------------------------------------------------------------------------------------
// LayerNorm

TEST(LayerNorm, ForwardAndBackwardMatchTorch) {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    const int64_t R = 70, D = 24;
    auto x = randn({R, D}, dtype, 6).requires_grad_();
    auto w = (1 + 0.3 * randn({D}, dtype, 7)).requires_grad_(), b = (0.2 * randn({D}, dtype, 8)).requires_grad_();
    const auto dy = randn({R, D}, dtype, 9);
    const auto y = torch::layer_norm(x, {D}, w, b, 1e-5);
    const auto want = torch::autograd::grad({y}, {x, w, b}, {dy});
    auto y_raw = torch::empty({R, D}, dtype), mean = torch::empty({R}, dtype), rstd = torch::empty({R}, dtype);
    auto dx = torch::ones({R, D}, dtype), dw = torch::empty({D}, dtype), db = torch::empty({D}, dtype);
    auto parts = torch::empty({layer_norm_backward_parts(R, D)}, dtype);
    const double tol = dtype == torch::kFloat ? 1e-5 : 1e-12;
    AT_DISPATCH_FLOATING_TYPES(dtype, "test", [&] {
      using T = scalar_t;
      layer_norm_forward(ptr<T>(x), ptr<T>(w), ptr<T>(b), T(1e-5), R, D, ptr<T>(y_raw), ptr<T>(mean), ptr<T>(rstd));
      layer_norm_backward(ptr<T>(x), ptr<T>(w), ptr<T>(mean), ptr<T>(rstd), ptr<T>(dy), R, D, ptr<T>(dx), true,
                          ptr<T>(parts), ptr<T>(dw), ptr<T>(db));
    });
    expect_close(y_raw, y.detach(), tol, "y");
    expect_close(dx - 1, want[0], tol, "dx (accumulated onto ones)");
    expect_close(dw, want[1], tol, "dweight");
    expect_close(db, want[2], tol, "dbias");
  }
}

TEST(LayerNorm, BackwardMatchesFiniteDifferences) {
  const int64_t R = 3, D = 5;
  auto x = randn({R, D}, torch::kDouble, 10), w = 1 + 0.3 * randn({D}, torch::kDouble, 11);
  auto b = 0.2 * randn({D}, torch::kDouble, 12);
  const auto weight = torch::rand({R, D}, torch::kDouble) + 0.5;  // loss = Σ weight ⊙ y
  auto mean = torch::empty({R}, torch::kDouble), rstd = torch::empty({R}, torch::kDouble);
  const auto forward = [&] {
    auto y = torch::empty({R, D}, torch::kDouble);
    layer_norm_forward(ptr<double>(x), ptr<double>(w), ptr<double>(b), 1e-5, R, D, ptr<double>(y), ptr<double>(mean),
                       ptr<double>(rstd));
    return y;
  };
  forward();
  auto dx = torch::empty({R, D}, torch::kDouble), dw = torch::empty({D}, torch::kDouble);
  auto db = torch::empty({D}, torch::kDouble), parts = torch::empty({layer_norm_backward_parts(R, D)}, torch::kDouble);
  layer_norm_backward(ptr<double>(x), ptr<double>(w), ptr<double>(mean), ptr<double>(rstd), ptr<double>(weight), R, D,
                      ptr<double>(dx), false, ptr<double>(parts), ptr<double>(dw), ptr<double>(db));
  expect_matches_finite_differences(x, forward, weight, dx, "dx");
  expect_matches_finite_differences(w, forward, weight, dw, "dweight");
  expect_matches_finite_differences(b, forward, weight, db, "dbias");
}

// ---------------------------------------------------------------------------------------------
// Cross-entropy

TEST(CrossEntropy, LossAndGradientMatchTorch) {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    const int64_t n = 37, V = 13;
    auto logits = (3 * randn({n, V}, dtype, 13)).requires_grad_();
    auto gen = at::detail::createCPUGenerator(14);
    const auto targets = torch::randint(0, V, {n}, gen, torch::kInt64);
    const auto loss = torch::nn::functional::cross_entropy(logits, targets);
    const auto want = torch::autograd::grad({loss}, {logits})[0];
    auto grad = logits.detach().clone();  // overwritten in place
    std::vector<double> rows(n);
    double got = 0;
    AT_DISPATCH_FLOATING_TYPES(dtype, "test", [&] {
      got = cross_entropy_forward_backward(ptr<scalar_t>(grad), targets.data_ptr<int64_t>(), n, V, ptr<scalar_t>(grad),
                                           rows.data());
    });
    const double tol = dtype == torch::kFloat ? 1e-6 : 1e-14;
    EXPECT_NEAR(got, loss.item<double>(), tol * 10);
    expect_close(grad, want, tol, "dlogits");
  }
}

TEST(CrossEntropy, GradientMatchesFiniteDifferencesAndNoTargetsGiveNaN) {
  const int64_t n = 4, V = 5;
  auto logits = randn({n, V}, torch::kDouble, 15);
  const std::vector<int64_t> targets = {0, 4, 2, 2};
  std::vector<double> rows(n);
  auto grad = torch::empty({n, V}, torch::kDouble);
  const auto loss = [&] {
    auto scratch = torch::empty({n, V}, torch::kDouble);
    return torch::full({1}, cross_entropy_forward_backward(ptr<double>(logits), targets.data(), n, V,
                                                           ptr<double>(scratch), rows.data()),
                       torch::kDouble);
  };
  cross_entropy_forward_backward(ptr<double>(logits), targets.data(), n, V, ptr<double>(grad), rows.data());
  expect_matches_finite_differences(logits, loss, torch::ones({1}, torch::kDouble), grad, "dlogits");
  EXPECT_TRUE(std::isnan(cross_entropy_forward_backward(ptr<double>(logits), targets.data(), 0, V, ptr<double>(grad),
                                                        rows.data())));
}

// ---------------------------------------------------------------------------------------------
// GELU (exact, erf)

TEST(Gelu, ValueAndDerivativeMatchTorch) {
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    auto x = (4 * randn({4000}, dtype, 16)).requires_grad_();
    const auto y = torch::gelu(x);
    const auto want = torch::autograd::grad({y}, {x}, {torch::ones_like(y)})[0];
    auto got = torch::empty_like(y), derivative = torch::empty_like(y);
    AT_DISPATCH_FLOATING_TYPES(dtype, "test", [&] {
      const auto* in = ptr<scalar_t>(x);
      for (int64_t i = 0; i < x.numel(); ++i) {
        ptr<scalar_t>(got)[i] = vgelu(in[i]);
        ptr<scalar_t>(derivative)[i] = vgelu_derivative(in[i]);
      }
    });
    const double tol = dtype == torch::kFloat ? 1e-6 : 1e-14;
    expect_close(got, y.detach(), tol, "gelu");
    expect_close(derivative, want, tol, "gelu'");
  }
}

TEST(Gelu, DerivativeMatchesFiniteDifferences) {
  for (double x : {-7.0, -2.5, -0.3, 0.0, 0.4, 1.7, 6.0}) {
    const double fd = (vgelu(x + 1e-6) - vgelu(x - 1e-6)) / 2e-6;
    EXPECT_NEAR(vgelu_derivative(x), fd, 1e-8) << x;
  }
}

}  // namespace
}  // namespace fl::kernels
