// The fused causal conv1d + bias + SiLU against its libtorch reference and finite differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "kernels/causal_conv.h"
#include "kernels/kernel_mode.h"
#include "support/determinism.h"
#include "support/finite_difference.h"

namespace {

using fl::kernels::causal_conv1d_silu;
using fl::kernels::causal_conv1d_silu_fused;
using fl::kernels::causal_conv1d_silu_reference;

struct Shape {
  int64_t B, L, Di, K;
};
std::string to_string(const Shape& s) {
  return "B" + std::to_string(s.B) + "_L" + std::to_string(s.L) + "_Di" + std::to_string(s.Di) +
         "_K" + std::to_string(s.K);
}
void PrintTo(const Shape& s, std::ostream* os) { *os << to_string(s); }

// x ~ randn (B, L, Di); weight ~ U(±1/√K) (Di, K), conv1d's init; bias ~ 0.5 randn (Di). All
// require grad. Order: x, weight, bias.
std::vector<torch::Tensor> random_inputs(Shape s, torch::Dtype dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  const auto opts = torch::TensorOptions().dtype(dtype);
  const double bound = 1 / std::sqrt(static_cast<double>(s.K));
  std::vector<torch::Tensor> x = {torch::randn({s.B, s.L, s.Di}, gen, opts),
                                  (2 * torch::rand({s.Di, s.K}, gen, opts) - 1) * bound,
                                  0.5 * torch::randn({s.Di}, gen, opts)};
  for (auto& t : x) t.requires_grad_(true);
  return x;
}

torch::Tensor random_dy(Shape s, torch::Dtype dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randn({s.B, s.L, s.Di}, gen, torch::TensorOptions().dtype(dtype));
}

torch::Tensor fused(const std::vector<torch::Tensor>& x) {
  return causal_conv1d_silu_fused(x[0], x[1], x[2]);
}
torch::Tensor reference(const std::vector<torch::Tensor>& x) {
  return causal_conv1d_silu_reference(x[0], x[1], x[2]);
}

using Conv = torch::Tensor (*)(const std::vector<torch::Tensor>&);

// y and the gradients of Σ dy ⊙ y with respect to x, weight, bias.
std::vector<torch::Tensor> output_and_grads(Conv conv, const std::vector<torch::Tensor>& x,
                                            const torch::Tensor& dy) {
  const auto y = conv(x);
  auto result = torch::autograd::grad({y}, x, {dy});
  result.insert(result.begin(), y.detach());
  return result;
}

constexpr const char* kNames[] = {"y", "dx", "dweight", "dbias"};

// float32: max |fused - reference| ≤ 1e-5 · (1 + max |reference|), for y and every gradient
// (dweight and dbias sum B·L terms in a different order from libtorch's).
void expect_close_float32(const std::vector<torch::Tensor>& got,
                          const std::vector<torch::Tensor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    ASSERT_EQ(got[k].sizes(), want[k].sizes()) << kNames[k];
    const double diff = (got[k] - want[k]).abs().max().item<double>();
    const double bound = 1e-5 * (1 + want[k].abs().max().item<double>());
    EXPECT_LE(diff, bound) << kNames[k] << ": max |fused - reference| exceeds the float32 bound";
  }
}

class CausalConvVsReference : public testing::TestWithParam<Shape> {};

TEST_P(CausalConvVsReference, OutputAndAllGradientsMatchInFloat32) {
  const Shape s = GetParam();
  const auto x = random_inputs(s, torch::kFloat, 1234 + s.L);
  const auto dy = random_dy(s, torch::kFloat, 99);
  expect_close_float32(output_and_grads(fused, x, dy), output_and_grads(reference, x, dy));
}

// Channel blocks are 256 wide and taps go in groups of 4: Di below, at, and past one block, not a
// multiple of it; L = 1, L < K, L = K; K = 1 … 4 (one group), 5 and 9 (several); the training
// shape (16, 128, 256), K = 4.
INSTANTIATE_TEST_SUITE_P(
    Shapes, CausalConvVsReference,
    testing::Values(Shape{2, 1, 8, 4}, Shape{1, 3, 16, 4}, Shape{2, 4, 64, 4}, Shape{3, 50, 70, 3},
                    Shape{2, 129, 130, 1}, Shape{1, 20, 300, 2}, Shape{2, 30, 33, 5},
                    Shape{1, 7, 9, 9}, Shape{2, 40, 520, 4}, Shape{16, 128, 256, 4}),
    [](const testing::TestParamInfo<Shape>& info) { return to_string(info.param); });

TEST(CausalConv, FusedGradientsMatchFiniteDifferences) {
  // Generic; L < K; L = 1; K = 1; K = 3 with L = K; K = 5 (two groups of taps).
  for (const Shape s : {Shape{2, 5, 3, 4}, Shape{1, 2, 3, 4}, Shape{2, 1, 3, 3}, Shape{2, 6, 5, 1},
                        Shape{1, 3, 2, 3}, Shape{1, 7, 2, 5}}) {
    SCOPED_TRACE(to_string(s));
    fl::test_support::expect_gradients_match(fused, random_inputs(s, torch::kDouble, 42 + s.L));
  }
}

TEST(CausalConv, ReferenceGradientsMatchFiniteDifferences) {
  for (const Shape s : {Shape{2, 5, 3, 4}, Shape{1, 2, 3, 3}}) {
    SCOPED_TRACE(to_string(s));
    fl::test_support::expect_gradients_match(reference, random_inputs(s, torch::kDouble, 42 + s.L));
  }
}

// x read in place as the first half of a (B, L, 2Di) tensor, as the mixer passes it.
TEST(CausalConv, FusedGradientsMatchFiniteDifferencesThroughStridedView) {
  const Shape s{2, 5, 3, 3};
  auto inputs = random_inputs(Shape{s.B, s.L, 2 * s.Di, s.K}, torch::kDouble, 8);
  inputs[1] = inputs[1].detach().narrow(0, 0, s.Di).requires_grad_(true);
  inputs[2] = inputs[2].detach().narrow(0, 0, s.Di).requires_grad_(true);
  fl::test_support::expect_gradients_match(
      [&](const std::vector<torch::Tensor>& x) {
        return causal_conv1d_silu_fused(x[0].narrow(2, 0, s.Di), x[1], x[2]);
      },
      inputs);
}

TEST(CausalConv, FusedMatchesReferenceInFloat64) {
  const Shape s{3, 100, 270, 4};
  const auto x = random_inputs(s, torch::kDouble, 3);
  const auto dy = random_dy(s, torch::kDouble, 4);
  const auto got = output_and_grads(fused, x, dy), want = output_and_grads(reference, x, dy);
  for (size_t k = 0; k < got.size(); ++k)
    EXPECT_TRUE(torch::allclose(got[k], want[k], 1e-10, 1e-10)) << kNames[k];
}

// x as the first half of in_proj's (B, L, 2Di) output (strided rows, read in place), and x with
// a non-unit channel stride (copied): both match the reference, gradients flowing to the base.
TEST(CausalConv, StridedInputsMatchReference) {
  const Shape s{2, 70, 300, 4};
  const auto dy = random_dy(s, torch::kFloat, 99);
  auto gen = at::detail::createCPUGenerator(5);
  const auto xz = torch::randn({s.B, s.L, 2 * s.Di}, gen).requires_grad_(true);  // (B, L, 2Di)
  const auto xt = torch::randn({s.Di, s.L, s.B}, gen).requires_grad_(true);      // (Di, L, B)
  const auto params = random_inputs(s, torch::kFloat, 6);
  for (const auto& [base, x] :
       {std::pair{xz, xz.narrow(2, 0, s.Di)}, std::pair{xt, xt.permute({2, 1, 0})}}) {
    ASSERT_FALSE(x.is_contiguous());
    std::vector<torch::Tensor> got, want;
    for (const Conv conv : {fused, reference}) {
      const auto y = conv({x, params[1], params[2]});
      auto grads = torch::autograd::grad({y}, {base, params[1], params[2]}, {dy});
      grads.insert(grads.begin(), y.detach());
      (conv == fused ? got : want) = grads;
    }
    EXPECT_EQ(got[1].sizes(), base.sizes());
    expect_close_float32(got, want);
  }
}

// conv1d's own (Di, 1, K) weight gives the same y, and a gradient of that shape.
TEST(CausalConv, AcceptsConv1dWeightShape) {
  const Shape s{2, 9, 10, 4};
  const auto x = random_inputs(s, torch::kFloat, 12);
  const auto dy = random_dy(s, torch::kFloat, 13);
  const auto w3 = x[1].detach().unsqueeze(1).requires_grad_(true);  // (Di, 1, K)
  for (const Conv conv : {fused, reference}) {
    const auto want = output_and_grads(conv, x, dy);
    const auto got = output_and_grads(conv, {x[0], w3, x[2]}, dy);
    EXPECT_TRUE(torch::equal(got[0], want[0]));
    EXPECT_EQ(got[2].sizes(), w3.sizes());
    EXPECT_TRUE(torch::equal(got[2].squeeze(1), want[2]));
  }
}

TEST(CausalConv, DispatchFollowsKernelMode) {
  const auto x = random_inputs(Shape{1, 3, 4, 2}, torch::kFloat, 1);
  using fl::kernels::Mode;
  const auto node_name = [&](Mode m) {
    fl::kernels::ModeGuard guard(m);
    return causal_conv1d_silu(x[0], x[1], x[2]).grad_fn()->name();
  };
  EXPECT_NE(node_name(Mode::kFused).find("CausalConvSilu"), std::string::npos);
  EXPECT_EQ(node_name(Mode::kReference).find("CausalConvSilu"), std::string::npos);
}

// Bit-identical across runs and across thread counts: dweight/dbias are summed in a fixed order.
TEST(CausalConv, FusedIsDeterministic) {
  const Shape s{5, 150, 300, 4};
  const auto x = random_inputs(s, torch::kFloat, 11);
  const auto dy = random_dy(s, torch::kFloat, 99);
  fl::test_support::expect_bit_identical_runs([&] { return output_and_grads(fused, x, dy); },
                                              {std::begin(kNames), std::end(kNames)});
}

TEST(CausalConv, RejectsBadInputs) {
  const Shape s{2, 5, 3, 4};
  const auto good = random_inputs(s, torch::kFloat, 5);
  const auto with = [&](size_t k, torch::Tensor t) {
    auto x = good;
    x[k] = std::move(t);
    return x;
  };
  const std::vector<std::vector<torch::Tensor>> bad = {
      with(0, torch::randn({s.B * s.L, s.Di})),       // x not 3-D
      with(1, torch::randn({s.Di + 1, s.K})),         // weight wrong Di
      with(1, torch::randn({s.Di, 2, s.K})),          // weight (Di, 2, K)
      with(1, torch::randn({s.Di, 0})),               // K = 0
      with(1, torch::randn({s.Di})),                  // weight 1-D
      with(2, torch::randn({s.Di + 1})),              // bias wrong Di
      with(2, torch::randn({s.Di, 1})),               // bias not 1-D
      with(2, torch::randn({s.Di}, torch::kDouble)),  // mixed dtypes
  };
  for (size_t k = 0; k < bad.size(); ++k) {
    EXPECT_THROW(fused(bad[k]), c10::Error) << "case " << k;
    EXPECT_THROW(reference(bad[k]), c10::Error) << "case " << k;
  }
  std::vector<torch::Tensor> ints;
  for (const auto& t : good) ints.push_back(t.detach().to(torch::kInt));
  EXPECT_THROW(fused(ints), c10::Error) << "integer inputs";
}

}  // namespace
