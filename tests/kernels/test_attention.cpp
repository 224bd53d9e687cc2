// The fused causal attention against its libtorch reference and against finite differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ostream>
#include <string>
#include <vector>

#include "kernels/attention.h"
#include "kernels/kernel_mode.h"
#include "support/determinism.h"
#include "support/finite_difference.h"

namespace {

using fl::kernels::attention_probabilities;
using fl::kernels::causal_attention;
using fl::kernels::causal_attention_fused;
using fl::kernels::causal_attention_reference;
using fl::kernels::AttentionSimd;
using fl::kernels::AttentionSimdGuard;

constexpr double kRopeBase = 10000.0;

struct Shape {
  int64_t B, L, H, hd, W;
  bool rope;
  int64_t D() const { return H * hd; }
};
std::string to_string(const Shape& s) {
  return "B" + std::to_string(s.B) + "_L" + std::to_string(s.L) + "_H" + std::to_string(s.H) + "_hd" +
         std::to_string(s.hd) + "_W" + std::to_string(s.W) + (s.rope ? "_rope" : "_norope");
}
void PrintTo(const Shape& s, std::ostream* os) { *os << to_string(s); }

// qkv (B, L, 3D) ~ 1.5·randn (scores of a few units, so that softmax rows are far from uniform),
// requiring grad.
torch::Tensor random_qkv(const Shape& s, torch::Dtype dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return (1.5 * torch::randn({s.B, s.L, 3 * s.D()}, gen, torch::TensorOptions().dtype(dtype))).requires_grad_(true);
}

// A fixed upstream gradient for o (B, L, D).
torch::Tensor random_dout(const Shape& s, torch::Dtype dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randn({s.B, s.L, s.D()}, gen, torch::TensorOptions().dtype(dtype));
}

using Attention = torch::Tensor (*)(const torch::Tensor&, int64_t, int64_t, double);

double rope_base(const Shape& s) { return s.rope ? kRopeBase : 0.0; }

// o and the gradient of Σ dout ⊙ o with respect to qkv.
std::vector<torch::Tensor> output_and_grad(Attention attention, const Shape& s, const torch::Tensor& qkv,
                                           const torch::Tensor& dout) {
  const auto o = attention(qkv, s.H, s.W, rope_base(s));
  return {o.detach(), torch::autograd::grad({o}, {qkv}, {dout})[0]};
}

constexpr const char* kNames[] = {"o", "dqkv"};

// float32: max |fused − reference| ≤ 2e-5 · (1 + max |reference|), for o and dqkv. (Both sum up
// to L products of O(1) terms in a different order; float32 rounding is ~6e-8 per operation.)
void expect_close_float32(const std::vector<torch::Tensor>& got, const std::vector<torch::Tensor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    ASSERT_EQ(got[k].sizes(), want[k].sizes()) << kNames[k];
    const double diff = (got[k] - want[k]).abs().max().item<double>();
    const double bound = 2e-5 * (1 + want[k].abs().max().item<double>());
    EXPECT_LE(diff, bound) << kNames[k] << ": max |fused - reference| exceeds the float32 bound";
  }
}

void expect_fused_matches_reference_float32(const Shape& s, uint64_t seed) {
  const auto qkv = random_qkv(s, torch::kFloat, seed);
  const auto dout = random_dout(s, torch::kFloat, seed + 1);
  expect_close_float32(output_and_grad(causal_attention_fused, s, qkv, dout),
                       output_and_grad(causal_attention_reference, s, qkv, dout));
}

// Every micro-kernel set the build has: the widest (AVX-512 when compiled in), AVX2, portable.
constexpr AttentionSimd kSimds[] = {AttentionSimd::kWidest, AttentionSimd::kAvx2, AttentionSimd::kPortable};
constexpr const char* kSimdNames[] = {"widest", "avx2", "portable"};

class AttentionVsReference : public testing::TestWithParam<Shape> {};

TEST_P(AttentionVsReference, OutputAndGradientMatchInFloat32) {
  for (int k = 0; k < 3; ++k) {
    SCOPED_TRACE(kSimdNames[k]);
    AttentionSimdGuard simd(kSimds[k]);
    expect_fused_matches_reference_float32(GetParam(), 7);
  }
}

// Key tiles and query blocks are 64, register blocks 6 rows × 1 or 2 SIMD vectors of keys (W =
// 16, 8, 4 or 1 lanes): cover L = 1, L inside one tile, exactly one tile, not a multiple, several
// tiles; hd odd (no RoPE), 1, small, 32, 128; windows of 1, inside a tile, across tiles, W ≥ L.
INSTANTIATE_TEST_SUITE_P(Shapes, AttentionVsReference,
                         testing::Values(Shape{2, 1, 2, 8, 0, true}, Shape{2, 37, 3, 16, 0, true},
                                         Shape{1, 64, 2, 32, 0, true}, Shape{2, 100, 4, 32, 0, true},
                                         Shape{2, 129, 2, 5, 0, false}, Shape{1, 130, 2, 32, 16, true},
                                         Shape{1, 200, 1, 64, 70, true}, Shape{1, 70, 2, 128, 0, true},
                                         Shape{1, 50, 2, 8, 50, true}, Shape{1, 50, 2, 8, 1, true},
                                         Shape{2, 65, 1, 12, 7, false}, Shape{1, 3, 1, 1, 0, false}),
                         [](const testing::TestParamInfo<Shape>& info) { return to_string(info.param); });

TEST(Attention, FusedGradientsMatchFiniteDifferences) {
  for (const Shape s : {Shape{2, 5, 2, 4, 0, true}, Shape{1, 9, 1, 6, 3, true}, Shape{2, 7, 2, 3, 0, false},
                        Shape{2, 1, 1, 4, 0, true}, Shape{1, 70, 1, 2, 5, true}, Shape{1, 67, 1, 3, 0, false}}) {
    SCOPED_TRACE(to_string(s));
    fl::test_support::expect_gradients_match(
        [&](const std::vector<torch::Tensor>& x) { return causal_attention_fused(x[0], s.H, s.W, rope_base(s)); },
        {random_qkv(s, torch::kDouble, 42 + s.L)});
  }
}

TEST(Attention, ReferenceGradientsMatchFiniteDifferences) {
  const Shape s{2, 6, 2, 4, 3, true};
  fl::test_support::expect_gradients_match(
      [&](const std::vector<torch::Tensor>& x) { return causal_attention_reference(x[0], s.H, s.W, rope_base(s)); },
      {random_qkv(s, torch::kDouble, 5)});
}

TEST(Attention, FusedMatchesReferenceInFloat64) {
  for (const Shape s : {Shape{2, 150, 2, 32, 0, true}, Shape{1, 90, 3, 7, 20, false}, Shape{2, 70, 1, 16, 1, true}}) {
    SCOPED_TRACE(to_string(s));
    for (int k = 0; k < 3; ++k) {
      AttentionSimdGuard simd(kSimds[k]);
      const auto qkv = random_qkv(s, torch::kDouble, 3);
      const auto dout = random_dout(s, torch::kDouble, 4);
      const auto got = output_and_grad(causal_attention_fused, s, qkv, dout);
      const auto want = output_and_grad(causal_attention_reference, s, qkv, dout);
      for (size_t i = 0; i < got.size(); ++i)
        EXPECT_TRUE(torch::allclose(got[i], want[i], 1e-10, 1e-10)) << kNames[i] << " " << kSimdNames[k];
    }
  }
}

// qkv as a view: rows strided (a narrow of a wider projection), and a last dim that is not
// contiguous (copied at the door). The gradient flows back into the base tensor.
TEST(Attention, StridedQkvViewsMatchReference) {
  const Shape s{2, 77, 2, 16, 0, true};
  auto gen = at::detail::createCPUGenerator(9);
  const auto dout = random_dout(s, torch::kFloat, 10);
  const auto wide = torch::randn({s.B, s.L, 3 * s.D() + 5}, gen).requires_grad_(true);
  const auto narrow = wide.narrow(2, 3, 3 * s.D());
  const auto tall = torch::randn({s.B, 3 * s.D(), s.L}, gen).requires_grad_(true);
  const auto transposed = tall.transpose(1, 2);
  ASSERT_EQ(narrow.stride(2), 1);
  ASSERT_FALSE(narrow.is_contiguous());
  ASSERT_NE(transposed.stride(2), 1);
  for (const auto* base : {&wide, &tall}) {
    const auto& view = base == &wide ? narrow : transposed;
    std::vector<std::vector<torch::Tensor>> results;
    for (Attention attention : {causal_attention_fused, causal_attention_reference}) {
      const auto o = attention(view, s.H, s.W, kRopeBase);
      results.push_back({o.detach(), torch::autograd::grad({o}, {*base}, {dout})[0]});
    }
    expect_close_float32(results[0], results[1]);
  }
}

TEST(Attention, ProbabilitiesAreRowStochasticAndZeroOutsideTheMask) {
  for (const Shape s : {Shape{2, 20, 2, 8, 0, true}, Shape{1, 20, 3, 5, 4, false}, Shape{1, 9, 1, 4, 1, true}}) {
    SCOPED_TRACE(to_string(s));
    const auto p = attention_probabilities(random_qkv(s, torch::kDouble, 1), s.H, s.W, rope_base(s));
    ASSERT_EQ(p.sizes(), c10::IntArrayRef({s.B, s.H, s.L, s.L}));
    EXPECT_TRUE(torch::allclose(p.sum(-1), torch::ones({s.B, s.H, s.L}, torch::kDouble), 0, 1e-12));
    const auto i = torch::arange(s.L).unsqueeze(1), j = torch::arange(s.L).unsqueeze(0);
    auto outside = j > i;
    if (s.W > 0) outside = outside | (j <= i - s.W);
    EXPECT_EQ(p.masked_select(outside).abs().max().item<double>(), 0.0);
    EXPECT_GT(p.masked_select(outside.logical_not()).min().item<double>(), 0.0);
  }
}

// Bit-identical across runs and across thread counts (every element is reduced by one work unit).
TEST(Attention, FusedIsDeterministic) {
  const Shape s{3, 150, 4, 32, 0, true};
  const auto qkv = random_qkv(s, torch::kFloat, 11);
  const auto dout = random_dout(s, torch::kFloat, 12);
  fl::test_support::expect_bit_identical_runs([&] { return output_and_grad(causal_attention_fused, s, qkv, dout); },
                                              {std::begin(kNames), std::end(kNames)});
}

TEST(Attention, DispatchFollowsKernelMode) {
  const Shape s{1, 30, 2, 8, 0, true};
  const auto qkv = random_qkv(s, torch::kFloat, 13).detach();
  for (const auto mode : {fl::kernels::Mode::kFused, fl::kernels::Mode::kReference}) {
    fl::kernels::ModeGuard guard(mode);
    const Attention expected = mode == fl::kernels::Mode::kFused ? causal_attention_fused : causal_attention_reference;
    EXPECT_TRUE(torch::equal(causal_attention(qkv, s.H, s.W, kRopeBase), expected(qkv, s.H, s.W, kRopeBase)))
        << fl::kernels::mode_name(mode);
  }
}

TEST(Attention, RejectsBadInputs) {
  struct Case {
    const char* what;
    torch::Tensor qkv;
    int64_t n_head, window;
    double rope_base;
  };
  const auto good = torch::randn({2, 5, 24});  // D = 8
  const std::vector<Case> bad = {
      {"3D not divisible by 3H", good, 3, 0, kRopeBase},
      {"3D not divisible by 3", torch::randn({2, 5, 25}), 1, 0, 0.0},
      {"RoPE with odd hd", torch::randn({2, 5, 30}), 2, 0, kRopeBase},
      {"qkv not 3-D", torch::randn({10, 24}), 2, 0, kRopeBase},
      {"no positions", torch::randn({2, 0, 24}), 2, 0, kRopeBase},
      {"n_head 0", good, 0, 0, kRopeBase},
      {"negative window", good, 2, -1, kRopeBase},
      {"negative rope base", good, 2, 0, -1.0},
      {"integer qkv", good.to(torch::kInt), 2, 0, kRopeBase},
  };
  for (const auto& c : bad) {
    for (Attention attention : {causal_attention_fused, causal_attention_reference, attention_probabilities})
      EXPECT_THROW(attention(c.qkv, c.n_head, c.window, c.rope_base), c10::Error) << c.what;
  }
}

}  // namespace
