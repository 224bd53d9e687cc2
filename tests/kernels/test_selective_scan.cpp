// The fused selective scan against its libtorch reference, finite differences and itself (the
// kernel-case harness, support/kernel_case.h), its dispatch and rejected inputs, and the vector
// math it is built on.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernels/kernel_mode.h"
#include "kernels/selective_scan.h"
#include "kernels/vector_math.h"
#include "support/kernel_case.h"

namespace {

using namespace fl::test_support;
using fl::kernels::selective_scan_fused;
using fl::kernels::selective_scan_reference;

struct Shape {
  int64_t B, L, Di, N;
};
std::string to_string(const Shape& s) { return dims_name({{"B", s.B}, {"L", s.L}, {"Di", s.Di}, {"N", s.N}}); }

// Which optional parts of selective_scan_fn are on, and how the inputs look.
struct Variant {
  bool gate;                 // z given: out = y ⊙ SiLU(z)
  bool bias;                 // delta_bias given
  bool softplus;             // delta_softplus
  bool strided = false;      // the inputs as the model passes them (views), see scan_case
  bool large_delta = false;  // some delta beyond softplus's threshold, see scan_case
};
std::string to_string(const Variant& v) {
  return std::string(v.gate ? "z" : "no_z") + (v.bias ? "_bias" : "_no_bias") +
         (v.softplus ? "_softplus" : "_raw") + (v.strided ? "_strided" : "") +
         (v.large_delta ? "_large_delta" : "");
}
const Variant kPlain{false, false, false}, kFull{true, true, true};
const std::vector<Variant> kVariants = {kPlain, kFull, {true, false, true}, {false, true, false}};
const Variant kStrided{true, true, true, true}, kLargeDelta{true, true, true, false, true};

using ScanFn = torch::Tensor (*)(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                 const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                 const torch::Tensor&, const torch::Tensor&, bool);

// fn applied to the arguments of scan_case(…, v).
torch::Tensor call(ScanFn fn, Variant v, const Tensors& x) {
  size_t k = 6;
  const torch::Tensor z = v.gate ? x[k++] : torch::Tensor();
  const torch::Tensor bias = v.bias ? x[k++] : torch::Tensor();
  return fn(x[0], x[1], x[2], x[3], x[4], x[5], z, bias, v.softplus);
}

// Inputs u, delta, A, Bm, Cm, D, then z (gate) and delta_bias (bias). u, B, C, D, z ~ randn;
// A = -exp(0.5 randn) < 0. With softplus, delta ~ randn and bias ~ 0.5 randn - 1 (raw, as the
// model passes them); without, delta = softplus(randn) > 0 and bias ~ U(0, 0.1), so that δ stays
// positive. Strided: Bm and Cm narrowed out of x_proj's (B, L, R + 2N) output (R = 3), z the
// second half of in_proj's (B, L, 2Di) output, delta a narrowed view at column 2, and u with a
// non-contiguous last dim (the copying fallback; at L = 1 that view would be contiguous). Large
// delta: delta + 21 where delta > 1, past softplus's threshold of 20 (identity, derivative 1),
// which both paths must take alike. Default tolerances: in float32 the sums over n, d, b and t run
// in a different order, and softplus, exp and SiLU are vector_math.h's, within a few ulps of
// libtorch's.
KernelCase scan_case(Shape s, Variant v, Checks checks = 0) {
  const int64_t R = 3;
  const auto when_strided = [&](Layout layout) { return v.strided ? layout : Layout{}; };
  Values delta = v.softplus ? normal() : [](const Draw& d) { return torch::softplus(d.normal()); };
  if (v.large_delta)
    delta = [](const Draw& d) {
      const auto r = d.normal();
      return r + 21 * (r > 1).to(r.scalar_type());
    };
  KernelCase c;
  c.name = to_string(s) + "_" + to_string(v);
  c.inputs = {{"u", {s.B, s.L, s.Di}, normal(), when_strided(s.L > 1 ? stored_as({0, 2, 1}) : Layout{})},
              {"delta", {s.B, s.L, s.Di}, delta, when_strided(narrowed(2, s.Di + 5))},
              {"A", {s.Di, s.N}, [](const Draw& d) { return -torch::exp(0.5 * d.normal()); }},
              {"Bm", {s.B, s.L, s.N}, normal(), when_strided(narrowed(R, R + 2 * s.N))},
              {"Cm", {s.B, s.L, s.N}, normal(), when_strided(narrowed(R + s.N, R + 2 * s.N))},
              {"D", {s.Di}}};
  if (v.gate) c.inputs.push_back({"z", {s.B, s.L, s.Di}, normal(), when_strided(narrowed(s.Di, 2 * s.Di))});
  if (v.bias) c.inputs.push_back({"delta_bias", {s.Di}, v.softplus ? normal(0.5, -1) : uniform(0, 0.1)});
  c.fused = [v](const Tensors& x) { return call(selective_scan_fused, v, x); };
  c.reference = [v](const Tensors& x) { return call(selective_scan_reference, v, x); };
  c.checks = checks;
  return c;
}

std::vector<KernelCase> selective_scan_cases() {
  std::vector<KernelCase> cases;
  // Chunks are 64 steps, strips 32 channels in lane blocks of 8, and dB/dC lanes are summed 8
  // values of n at a time: L = 1, L inside one chunk, exactly one chunk, not a multiple of the
  // chunk, several chunks; B = 1; Di below one lane block, one strip, not a multiple of either,
  // several strips; N small and odd, 8, 12 (one group of 8 and a remainder) and 16.
  for (const Shape s : {Shape{2, 1, 8, 16}, Shape{1, 37, 16, 16}, Shape{2, 64, 32, 8}, Shape{2, 100, 40, 16},
                        Shape{1, 200, 5, 3}, Shape{3, 257, 70, 4}, Shape{1, 65, 33, 12}})
    for (const Variant v : kVariants) cases.push_back(scan_case(s, v, kFloat32));
  for (const Shape s : {Shape{2, 70, 12, 16}, Shape{2, 1, 3, 5}}) cases.push_back(scan_case(s, kStrided, kFloat32));

  for (const Variant v : {kPlain, kFull}) cases.push_back(scan_case({2, 150, 40, 8}, v, kFloat64));
  cases.push_back(scan_case({2, 67, 11, 16}, kStrided, kFloat64));
  cases.push_back(scan_case({2, 9, 10, 4}, kLargeDelta, kFloat64));

  for (const Variant v : kVariants) {
    cases.push_back(scan_case({2, 5, 3, 4}, v, kFusedFiniteDifferences));
    cases.push_back(scan_case({1, 130, 9, 3}, v, kFusedFiniteDifferences));
  }
  cases.push_back(scan_case({2, 5, 3, 4}, kStrided, kFusedFiniteDifferences));
  for (const Variant v : {kPlain, kFull}) cases.push_back(scan_case({2, 5, 3, 4}, v, kReferenceFiniteDifferences));

  // The dB/dC/dA/dD/d(delta_bias) reductions have a fixed order.
  cases.push_back(scan_case({3, 150, 70, 16}, kFull, kDeterminism));
  return cases;
}
FL_KERNEL_TESTS(SelectiveScan, selective_scan_cases);

TEST(SelectiveScan, DispatchFollowsKernelMode) {
  using fl::kernels::Mode;
  const KernelCase c = scan_case({1, 70, 9, 4}, kFull);
  const auto x = arguments_of(c, torch::kFloat);
  const auto scan = [&] {
    return fl::kernels::selective_scan(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], true);
  };
  {
    const fl::kernels::ModeGuard guard(Mode::kFused);
    EXPECT_TRUE(torch::equal(scan(), c.fused(x)));
  }
  const fl::kernels::ModeGuard guard(Mode::kReference);
  EXPECT_TRUE(torch::equal(scan(), c.reference(x)));
}

TEST(SelectiveScan, RejectsBadInputs) {
  const Shape s{2, 5, 3, 4};
  const KernelCase c = scan_case(s, kFull);
  const auto good = arguments_of(c, torch::kFloat);
  expect_rejected(c, {
                         replacing(good, 0, torch::randn({s.B * s.L, s.Di})),                 // u not 3-D
                         replacing(good, 0, torch::randn({s.B, 0, s.Di})),                    // no time steps
                         replacing(good, 1, torch::rand({s.B, s.L, s.Di + 1})),               // delta wrong Di
                         replacing(good, 2, -torch::rand({s.Di + 1, s.N})),                   // A wrong Di
                         replacing(good, 2, -torch::rand({s.Di})),                            // A not 2-D
                         replacing(good, 3, torch::randn({s.B, s.L, s.N + 1})),               // Bm wrong N
                         replacing(good, 4, torch::randn({s.B, s.L + 1, s.N})),               // Cm wrong L
                         replacing(good, 5, torch::randn({s.Di, 1})),                         // D not 1-D
                         replacing(good, 5, torch::randn({s.Di}, torch::kDouble)),            // mixed dtypes
                         replacing(good, 6, torch::randn({s.B, s.L, s.Di + 1})),              // z wrong Di
                         replacing(good, 6, torch::randn({s.B, s.L, s.Di}, torch::kDouble)),  // z mixed dtype
                         replacing(good, 7, torch::randn({s.Di + 1})),                        // delta_bias wrong Di
                         replacing(good, 7, torch::randn({1, s.Di})),                         // delta_bias not 1-D
                     });
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
