// The fused selective scan against its libtorch reference and against finite differences, and the
// vector math it is built on.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "kernels/kernel_mode.h"
#include "kernels/selective_scan.h"
#include "kernels/vector_math.h"
#include "support/determinism.h"
#include "support/finite_difference.h"

namespace {

using fl::kernels::selective_scan_fused;
using fl::kernels::selective_scan_reference;

struct Shape {
  int64_t B, L, Di, N;
};
std::string to_string(const Shape& s) {
  return "B" + std::to_string(s.B) + "_L" + std::to_string(s.L) + "_Di" + std::to_string(s.Di) +
         "_N" + std::to_string(s.N);
}
void PrintTo(const Shape& s, std::ostream* os) { *os << to_string(s); }

// Which optional parts of selective_scan_fn are on.
struct Variant {
  bool gate;      // z given: out = y ⊙ SiLU(z)
  bool bias;      // delta_bias given
  bool softplus;  // delta_softplus
};
std::string to_string(const Variant& v) {
  return std::string(v.gate ? "z" : "no_z") + (v.bias ? "_bias" : "_no_bias") +
         (v.softplus ? "_softplus" : "_raw");
}
const Variant kPlain{false, false, false}, kFull{true, true, true};
const std::vector<Variant> kVariants = {kPlain, kFull, {true, false, true}, {false, true, false}};

// Realistic inputs in `dtype`, all requiring grad, in the order u, delta, A, Bm, Cm, D, then z
// (gate) and delta_bias (bias). u, B, C, D, z ~ randn; A = -exp(0.5 randn) < 0. With softplus,
// delta ~ randn and bias ~ 0.5 randn - 1 (raw, as the model passes them); without, delta =
// softplus(randn) > 0 and bias ~ 0.1 U(0, 1), so that δ stays positive.
std::vector<torch::Tensor> random_inputs(Shape s, Variant v, torch::Dtype dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  const auto opts = torch::TensorOptions().dtype(dtype);
  const auto randn = [&](c10::IntArrayRef sizes) { return torch::randn(sizes, gen, opts); };
  std::vector<torch::Tensor> x = {
      randn({s.B, s.L, s.Di}),
      v.softplus ? randn({s.B, s.L, s.Di}) : torch::softplus(randn({s.B, s.L, s.Di})),
      -torch::exp(0.5 * randn({s.Di, s.N})),
      randn({s.B, s.L, s.N}),
      randn({s.B, s.L, s.N}),
      randn({s.Di})};
  if (v.gate) x.push_back(randn({s.B, s.L, s.Di}));
  if (v.bias)
    x.push_back(v.softplus ? 0.5 * randn({s.Di}) - 1 : 0.1 * torch::rand({s.Di}, gen, opts));
  for (auto& t : x) t.requires_grad_(true);
  return x;
}

// A fixed upstream gradient for the output.
torch::Tensor random_dout(Shape s, torch::Dtype dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randn({s.B, s.L, s.Di}, gen, torch::TensorOptions().dtype(dtype));
}

using ScanFn = torch::Tensor (*)(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                 const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                 const torch::Tensor&, const torch::Tensor&, bool);

// fn applied to inputs laid out as random_inputs makes them for variant v.
torch::Tensor call(ScanFn fn, Variant v, const std::vector<torch::Tensor>& x) {
  size_t k = 6;
  const torch::Tensor z = v.gate ? x[k++] : torch::Tensor();
  const torch::Tensor bias = v.bias ? x[k++] : torch::Tensor();
  return fn(x[0], x[1], x[2], x[3], x[4], x[5], z, bias, v.softplus);
}

// The output and the gradients of Σ dout ⊙ out with respect to `wrt`, in that order.
std::vector<torch::Tensor> output_and_grads(const torch::Tensor& out,
                                            const std::vector<torch::Tensor>& wrt,
                                            const torch::Tensor& dout) {
  auto result = torch::autograd::grad({out}, wrt, {dout});
  result.insert(result.begin(), out.detach());
  return result;
}
std::vector<torch::Tensor> output_and_grads(ScanFn fn, Variant v,
                                            const std::vector<torch::Tensor>& x,
                                            const torch::Tensor& dout) {
  return output_and_grads(call(fn, v, x), x, dout);
}

// Names of the entries output_and_grads returns for variant v.
std::vector<std::string> grad_names(Variant v) {
  std::vector<std::string> n = {"out", "du", "ddelta", "dA", "dBm", "dCm", "dD"};
  if (v.gate) n.push_back("dz");
  if (v.bias) n.push_back("ddelta_bias");
  return n;
}

// float32: max |fused - reference| ≤ 1e-5 · (1 + max |reference|), for the output and every
// gradient (sums over n, d, b and t run in a different order; softplus, exp and SiLU are
// vector_math.h's, within a few ulps of libtorch's).
void expect_close_float32(const std::vector<torch::Tensor>& got,
                          const std::vector<torch::Tensor>& want,
                          const std::vector<std::string>& names) {
  ASSERT_EQ(got.size(), want.size());
  ASSERT_EQ(got.size(), names.size());
  for (size_t k = 0; k < got.size(); ++k) {
    ASSERT_EQ(got[k].sizes(), want[k].sizes()) << names[k];
    const double diff = (got[k] - want[k]).abs().max().item<double>();
    const double bound = 1e-5 * (1 + want[k].abs().max().item<double>());
    EXPECT_LE(diff, bound) << names[k] << ": max |fused - reference| exceeds the float32 bound";
  }
}

// float64: fused and reference agree to 1e-10 (relative and absolute).
void expect_close_float64(const std::vector<torch::Tensor>& got,
                          const std::vector<torch::Tensor>& want,
                          const std::vector<std::string>& names) {
  ASSERT_EQ(got.size(), want.size());
  ASSERT_EQ(got.size(), names.size());
  for (size_t k = 0; k < got.size(); ++k)
    EXPECT_TRUE(torch::allclose(got[k], want[k], 1e-10, 1e-10)) << names[k];
}

class SelectiveScanVsReference : public testing::TestWithParam<Shape> {};

TEST_P(SelectiveScanVsReference, OutputAndAllGradientsMatchInFloat32) {
  const Shape s = GetParam();
  for (const Variant v : kVariants) {
    SCOPED_TRACE(to_string(v));
    const auto x = random_inputs(s, v, torch::kFloat, 1234 + s.L);
    const auto dout = random_dout(s, torch::kFloat, 99);
    const auto got = output_and_grads(selective_scan_fused, v, x, dout);
    for (const auto& t : got) EXPECT_TRUE(t.is_contiguous());
    expect_close_float32(got, output_and_grads(selective_scan_reference, v, x, dout),
                         grad_names(v));
  }
}

// Chunks are 64 steps, strips 32 channels in lane blocks of 8, and dB/dC lanes are summed 8 values
// of n at a time: cover L = 1, L inside one chunk, exactly one chunk, not a multiple of the chunk,
// several chunks; B = 1; Di below one lane block, one strip, not a multiple of either, several
// strips; N small and odd, 8, 12 (one group of 8 and a remainder) and 16.
INSTANTIATE_TEST_SUITE_P(Shapes, SelectiveScanVsReference,
                         testing::Values(Shape{2, 1, 8, 16}, Shape{1, 37, 16, 16},
                                         Shape{2, 64, 32, 8}, Shape{2, 100, 40, 16},
                                         Shape{1, 200, 5, 3}, Shape{3, 257, 70, 4},
                                         Shape{1, 65, 33, 12}),
                         [](const testing::TestParamInfo<Shape>& info) {
                           return to_string(info.param);
                         });

// Inputs as the model passes them: Bm, Cm narrowed out of x_proj's (B, L, R + 2N) output, z the
// second half of in_proj's (B, L, 2Di) output, delta a narrowed view too, and u with a
// non-contiguous last dim (the copying fallback). Gradients reach the underlying tensors.
std::vector<torch::Tensor> strided_output_and_grads(ScanFn fn, Shape s, torch::Dtype dtype,
                                                    const torch::Tensor& dout) {
  auto gen = at::detail::createCPUGenerator(21);
  const auto opts = torch::TensorOptions().dtype(dtype);
  const int64_t R = 3;
  auto x_proj = torch::randn({s.B, s.L, R + 2 * s.N}, gen, opts).requires_grad_(true);
  auto xz = torch::randn({s.B, s.L, 2 * s.Di}, gen, opts).requires_grad_(true);
  auto delta_wide = torch::randn({s.B, s.L, s.Di + 5}, gen, opts).requires_grad_(true);
  auto u_t = torch::randn({s.B, s.Di, s.L}, gen, opts).requires_grad_(true);
  auto A = (-torch::exp(0.5 * torch::randn({s.Di, s.N}, gen, opts))).requires_grad_(true);
  auto D = torch::randn({s.Di}, gen, opts).requires_grad_(true);
  auto bias = (0.5 * torch::randn({s.Di}, gen, opts) - 1).requires_grad_(true);
  const auto u = u_t.transpose(1, 2), delta = delta_wide.narrow(2, 2, s.Di);
  const auto Bm = x_proj.narrow(2, R, s.N), Cm = x_proj.narrow(2, R + s.N, s.N);
  const auto z = xz.narrow(2, s.Di, s.Di);
  EXPECT_FALSE(Bm.is_contiguous() || Cm.is_contiguous() || z.is_contiguous() ||
               delta.is_contiguous() || (s.L > 1 && u.is_contiguous()));
  return output_and_grads(fn(u, delta, A, Bm, Cm, D, z, bias, true),
                          {u_t, delta_wide, A, x_proj, xz, D, bias}, dout);
}
const std::vector<std::string> kStridedNames = {"out",     "du",  "ddelta", "dA",
                                                "dx_proj", "dxz", "dD",     "ddelta_bias"};

TEST(SelectiveScan, StridedViewsMatchReferenceInFloat32) {
  for (const Shape s : {Shape{2, 70, 12, 16}, Shape{2, 1, 3, 5}}) {
    SCOPED_TRACE(to_string(s));
    const auto dout = random_dout(s, torch::kFloat, 5);
    expect_close_float32(strided_output_and_grads(selective_scan_fused, s, torch::kFloat, dout),
                         strided_output_and_grads(selective_scan_reference, s, torch::kFloat, dout),
                         kStridedNames);
  }
}

TEST(SelectiveScan, FusedMatchesReferenceInFloat64) {
  const Shape s{2, 150, 40, 8};
  const auto dout = random_dout(s, torch::kDouble, 4);
  for (const Variant v : {kPlain, kFull}) {
    SCOPED_TRACE(to_string(v));
    const auto x = random_inputs(s, v, torch::kDouble, 3);
    expect_close_float64(output_and_grads(selective_scan_fused, v, x, dout),
                         output_and_grads(selective_scan_reference, v, x, dout), grad_names(v));
  }
  const Shape strided{2, 67, 11, 16};
  const auto strided_dout = random_dout(strided, torch::kDouble, 6);
  expect_close_float64(
      strided_output_and_grads(selective_scan_fused, strided, torch::kDouble, strided_dout),
      strided_output_and_grads(selective_scan_reference, strided, torch::kDouble, strided_dout),
      kStridedNames);
}

// softplus is the identity beyond 20 (derivative 1): both paths take that branch alike.
TEST(SelectiveScan, SoftplusThresholdMatchesReference) {
  const Shape s{2, 9, 10, 4};
  auto x = random_inputs(s, kFull, torch::kDouble, 8);
  x[1] = (x[1].detach() + 21 * (x[1].detach() > 1).to(torch::kDouble)).requires_grad_(true);
  const auto dout = random_dout(s, torch::kDouble, 9);
  expect_close_float64(output_and_grads(selective_scan_fused, kFull, x, dout),
                       output_and_grads(selective_scan_reference, kFull, x, dout),
                       grad_names(kFull));
}

TEST(SelectiveScan, FusedGradientsMatchFiniteDifferences) {
  for (const Variant v : kVariants) {
    for (const Shape s : {Shape{2, 5, 3, 4}, Shape{1, 130, 9, 3}}) {
      SCOPED_TRACE(to_string(v) + " " + to_string(s));
      fl::test_support::expect_gradients_match(
          [v](const std::vector<torch::Tensor>& x) { return call(selective_scan_fused, v, x); },
          random_inputs(s, v, torch::kDouble, 42 + s.L));
    }
  }
}

TEST(SelectiveScan, ReferenceGradientsMatchFiniteDifferences) {
  for (const Variant v : {kPlain, kFull}) {
    SCOPED_TRACE(to_string(v));
    fl::test_support::expect_gradients_match(
        [v](const std::vector<torch::Tensor>& x) { return call(selective_scan_reference, v, x); },
        random_inputs(Shape{2, 5, 3, 4}, v, torch::kDouble, 47));
  }
}

// Bit-identical across runs and across thread counts: the dB/dC/dA/dD/d(delta_bias) reductions
// have a fixed order.
TEST(SelectiveScan, FusedIsDeterministic) {
  const Shape s{3, 150, 70, 16};
  const auto x = random_inputs(s, kFull, torch::kFloat, 11);
  const auto dout = random_dout(s, torch::kFloat, 99);
  fl::test_support::expect_bit_identical_runs(
      [&] { return output_and_grads(selective_scan_fused, kFull, x, dout); }, grad_names(kFull));
}

TEST(SelectiveScan, DispatchFollowsKernelMode) {
  using fl::kernels::Mode;
  const Shape s{1, 70, 9, 4};
  const auto x = random_inputs(s, kFull, torch::kFloat, 13);
  const auto scan = [&] {
    return fl::kernels::selective_scan(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], true);
  };
  {
    const fl::kernels::ModeGuard guard(Mode::kFused);
    EXPECT_TRUE(torch::equal(scan(), call(selective_scan_fused, kFull, x)));
  }
  const fl::kernels::ModeGuard guard(Mode::kReference);
  EXPECT_TRUE(torch::equal(scan(), call(selective_scan_reference, kFull, x)));
}

TEST(SelectiveScan, RejectsBadInputs) {
  const Shape s{2, 5, 3, 4};
  const auto good = random_inputs(s, kFull, torch::kFloat, 5);
  const auto with = [&](size_t k, torch::Tensor t) {
    auto x = good;
    x[k] = std::move(t);
    return x;
  };
  const std::vector<std::vector<torch::Tensor>> bad = {
      with(0, torch::randn({s.B * s.L, s.Di})),                 // u not 3-D
      with(0, torch::randn({s.B, 0, s.Di})),                    // no time steps
      with(1, torch::rand({s.B, s.L, s.Di + 1})),               // delta wrong Di
      with(2, -torch::rand({s.Di + 1, s.N})),                   // A wrong Di
      with(2, -torch::rand({s.Di})),                            // A not 2-D
      with(3, torch::randn({s.B, s.L, s.N + 1})),               // Bm wrong N
      with(4, torch::randn({s.B, s.L + 1, s.N})),               // Cm wrong L
      with(5, torch::randn({s.Di, 1})),                         // D not 1-D
      with(5, torch::randn({s.Di}, torch::kDouble)),            // mixed dtypes
      with(6, torch::randn({s.B, s.L, s.Di + 1})),              // z wrong Di
      with(6, torch::randn({s.B, s.L, s.Di}, torch::kDouble)),  // z mixed dtype
      with(7, torch::randn({s.Di + 1})),                        // delta_bias wrong Di
      with(7, torch::randn({1, s.Di})),                         // delta_bias not 1-D
  };
  for (size_t k = 0; k < bad.size(); ++k) {
    EXPECT_THROW(call(selective_scan_fused, kFull, bad[k]), c10::Error) << "case " << k;
    EXPECT_THROW(call(selective_scan_reference, kFull, bad[k]), c10::Error) << "case " << k;
  }
  std::vector<torch::Tensor> ints;
  for (const auto& t : good) ints.push_back(t.detach().to(torch::kInt));
  EXPECT_THROW(call(selective_scan_fused, kFull, ints), c10::Error) << "integer inputs";
}

// vector_math.h against libm, in units of the type's epsilon (relative error).
template <typename T>
void expect_vector_math_matches_libm(double max_ulps) {
  const double eps = std::numeric_limits<T>::epsilon();
  const auto rel = [](double got, double want) {
    return want == 0 ? std::fabs(got) : std::fabs(got - want) / std::fabs(want);
  };
  double worst = 0;
  for (int i = -6000; i <= 6000; ++i) {
    const T x = T(i * 0.01);  // [-60, 60]
    const double xd = x;
    const T positive = T(std::exp(i * 0.013));  // [e^-78, e^78]
    const double softplus = xd > 20 ? xd : std::log1p(std::exp(xd));
    const double sigmoid = 1 / (1 + std::exp(-xd)), sigmoid_minus = 1 / (1 + std::exp(xd));
    worst = std::max(
        {worst, rel(fl::kernels::vexp(x), std::exp(xd)),
         rel(fl::kernels::vlog(positive), std::log(double(positive))),
         rel(fl::kernels::vlog1p(positive), std::log1p(double(positive))),
         rel(fl::kernels::vsoftplus(x), softplus),
         rel(fl::kernels::vsoftplus_derivative(x), xd > 20 ? 1 : sigmoid),
         rel(fl::kernels::vsigmoid(x), sigmoid), rel(fl::kernels::vsilu(x), xd * sigmoid),
         // SiLU' (|SiLU'| ≤ 1.1) crosses zero near -1.28: absolute error.
         std::fabs(fl::kernels::vsilu_derivative(x) - sigmoid * (1 + xd * sigmoid_minus))});
  }
  EXPECT_LE(worst / eps, max_ulps);
  EXPECT_EQ(fl::kernels::vexp(T(-1000)), T(0));
  EXPECT_EQ(fl::kernels::vexp(T(1000)), std::numeric_limits<T>::infinity());
  EXPECT_EQ(fl::kernels::vlog1p(T(1e-30)), T(1e-30));
}

TEST(VectorMath, MatchesLibmInFloat32) { expect_vector_math_matches_libm<float>(8); }
TEST(VectorMath, MatchesLibmInFloat64) { expect_vector_math_matches_libm<double>(8); }

// row_sums8 puts row k's sum in lane k (integers: every order gives the exact sum).
template <typename T>
void expect_row_sums8_sum_rows() {
  using V = fl::kernels::SimdVector<T, 8>;
  V rows[8];
  for (int k = 0; k < 8; ++k)
    for (int j = 0; j < 8; ++j) rows[k][j] = T((k + 1) * (1 << j));  // row k sums to 255 (k + 1)
  const V sums = fl::kernels::row_sums8<T>(rows);
  for (int k = 0; k < 8; ++k) EXPECT_EQ(sums[k], T(255 * (k + 1))) << "lane " << k;
}

TEST(VectorMath, RowSums8PutsEachRowSumInItsLane) {
  expect_row_sums8_sum_rows<float>();
  expect_row_sums8_sum_rows<double>();
}

}  // namespace
