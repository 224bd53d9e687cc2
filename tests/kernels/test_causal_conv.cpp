// The fused causal conv1d + bias + SiLU against its libtorch reference, finite differences and
// itself (the kernel-case harness, support/kernel_case.h); conv1d's weight shape, dispatch and
// rejected inputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/causal_conv.h"
#include "kernels/kernel_mode.h"
#include "support/kernel_case.h"

namespace {

using namespace fl::test_support;
using fl::kernels::causal_conv1d_silu;
using fl::kernels::causal_conv1d_silu_fused;
using fl::kernels::causal_conv1d_silu_reference;

struct Shape {
  int64_t B, L, Di, K;
};
std::string to_string(const Shape& s) { return dims_name({{"B", s.B}, {"L", s.L}, {"Di", s.Di}, {"K", s.K}}); }

// How x is laid out: contiguous; the first half of in_proj's (B, L, 2Di) output (strided rows,
// read in place, as the mixer passes it); stored as (Di, L, B) (a non-unit channel stride: copied).
enum class XLayout { kContiguous, kFirstHalf, kChannelsOutermost };

// Inputs x ~ randn (B, L, Di); weight ~ U(±1/√K) (Di, K), conv1d's init; bias ~ 0.5 randn (Di).
// float32 tolerance as default: dweight and dbias sum B·L terms in another order than libtorch's.
KernelCase conv_case(Shape s, Checks checks = 0, XLayout x_layout = XLayout::kContiguous) {
  const double bound = 1 / std::sqrt(static_cast<double>(s.K));
  const Layout layouts[] = {Layout{}, narrowed(0, 2 * s.Di), stored_as({2, 1, 0})};
  const char* const layout_names[] = {"", "_x_first_half", "_x_channels_outermost"};
  KernelCase c;
  c.name = to_string(s) + layout_names[static_cast<int>(x_layout)];
  c.inputs = {{"x", {s.B, s.L, s.Di}, normal(), layouts[static_cast<int>(x_layout)]},
              {"weight", {s.Di, s.K}, uniform(-bound, bound)},
              {"bias", {s.Di}, normal(0.5)}};
  c.fused = [](const Tensors& x) { return causal_conv1d_silu_fused(x[0], x[1], x[2]); };
  c.reference = [](const Tensors& x) { return causal_conv1d_silu_reference(x[0], x[1], x[2]); };
  c.checks = checks;
  return c;
}

std::vector<KernelCase> causal_conv_cases() {
  std::vector<KernelCase> cases;
  // Channel blocks are 256 wide and taps go in groups of 4: Di below, at, and past one block, not
  // a multiple of it; L = 1, L < K, L = K; K = 1 … 4 (one group), 5 and 9 (several); the training
  // shape (16, 128, 256), K = 4.
  for (const Shape s : {Shape{2, 1, 8, 4}, Shape{1, 3, 16, 4}, Shape{2, 4, 64, 4}, Shape{3, 50, 70, 3},
                        Shape{2, 129, 130, 1}, Shape{1, 20, 300, 2}, Shape{2, 30, 33, 5}, Shape{1, 7, 9, 9},
                        Shape{2, 40, 520, 4}, Shape{16, 128, 256, 4}})
    cases.push_back(conv_case(s, kFloat32));
  for (const XLayout x : {XLayout::kFirstHalf, XLayout::kChannelsOutermost})
    cases.push_back(conv_case({2, 70, 300, 4}, kFloat32, x));

  cases.push_back(conv_case({3, 100, 270, 4}, kFloat64));

  // Generic; L < K; L = 1; K = 1; K = 3 with L = K; K = 5 (two groups of taps); x read in place
  // as the first half of a (B, L, 2Di) tensor.
  for (const Shape s : {Shape{2, 5, 3, 4}, Shape{1, 2, 3, 4}, Shape{2, 1, 3, 3}, Shape{2, 6, 5, 1},
                        Shape{1, 3, 2, 3}, Shape{1, 7, 2, 5}})
    cases.push_back(conv_case(s, kFusedFiniteDifferences));
  cases.push_back(conv_case({2, 5, 3, 3}, kFusedFiniteDifferences, XLayout::kFirstHalf));
  for (const Shape s : {Shape{2, 5, 3, 4}, Shape{1, 2, 3, 3}}) cases.push_back(conv_case(s, kReferenceFiniteDifferences));

  // dweight/dbias are summed in a fixed order.
  cases.push_back(conv_case({5, 150, 300, 4}, kDeterminism));
  return cases;
}
FL_KERNEL_TESTS(CausalConv, causal_conv_cases);

// conv1d's own (Di, 1, K) weight gives the same y, and a gradient of that shape.
TEST(CausalConv, AcceptsConv1dWeightShape) {
  const KernelCase c = conv_case({2, 9, 10, 4});
  const auto x = arguments_of(c, torch::kFloat);
  const auto w3 = x[1].detach().unsqueeze(1).requires_grad_(true);  // (Di, 1, K)
  for (const KernelFunction& conv : {c.fused, c.reference}) {
    const auto want = output_and_gradients(conv, x);
    const auto got = output_and_gradients(conv, {x[0], w3, x[2]});
    EXPECT_TRUE(torch::equal(got[0], want[0]));
    EXPECT_EQ(got[2].sizes(), w3.sizes());
    EXPECT_TRUE(torch::equal(got[2].squeeze(1), want[2]));
  }
}

TEST(CausalConv, DispatchFollowsKernelMode) {
  const auto x = arguments_of(conv_case({1, 3, 4, 2}), torch::kFloat);
  using fl::kernels::Mode;
  const auto node_name = [&](Mode m) {
    fl::kernels::ModeGuard guard(m);
    return causal_conv1d_silu(x[0], x[1], x[2]).grad_fn()->name();
  };
  EXPECT_NE(node_name(Mode::kFused).find("CausalConvSilu"), std::string::npos);
  EXPECT_EQ(node_name(Mode::kReference).find("CausalConvSilu"), std::string::npos);
}

TEST(CausalConv, RejectsBadInputs) {
  const Shape s{2, 5, 3, 4};
  const KernelCase c = conv_case(s);
  const auto good = arguments_of(c, torch::kFloat);
  expect_rejected(c, {
                         replacing(good, 0, torch::randn({s.B * s.L, s.Di})),       // x not 3-D
                         replacing(good, 1, torch::randn({s.Di + 1, s.K})),         // weight wrong Di
                         replacing(good, 1, torch::randn({s.Di, 2, s.K})),          // weight (Di, 2, K)
                         replacing(good, 1, torch::randn({s.Di, 0})),               // K = 0
                         replacing(good, 1, torch::randn({s.Di})),                  // weight 1-D
                         replacing(good, 2, torch::randn({s.Di + 1})),              // bias wrong Di
                         replacing(good, 2, torch::randn({s.Di, 1})),               // bias not 1-D
                         replacing(good, 2, torch::randn({s.Di}, torch::kDouble)),  // mixed dtypes
                     });
}

}  // namespace
