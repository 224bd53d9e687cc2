// The fused causal attention against its libtorch reference, finite differences and itself (the
// kernel-case harness, support/kernel_case.h), with every set of SIMD micro-kernels; the
// probabilities, dispatch and rejected inputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "kernels/attention.h"
#include "kernels/kernel_mode.h"
#include "support/kernel_case.h"

namespace {

using namespace fl::test_support;
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
  return dims_name({{"B", s.B}, {"L", s.L}, {"H", s.H}, {"hd", s.hd}, {"W", s.W}}) + (s.rope ? "_rope" : "_norope");
}

double rope_base(const Shape& s) { return s.rope ? kRopeBase : 0.0; }

// Every micro-kernel set the build has: the widest (AVX-512 when compiled in), AVX2, portable.
constexpr AttentionSimd kSimds[] = {AttentionSimd::kWidest, AttentionSimd::kAvx2, AttentionSimd::kPortable};
const char* simd_suffix(AttentionSimd simd) {
  return simd == AttentionSimd::kAvx2 ? "_avx2" : simd == AttentionSimd::kPortable ? "_portable" : "";
}

// How qkv is laid out: contiguous; rows strided (narrowed at column 3 out of rows 3D + 5 wide, as
// a narrow of a wider projection: read in place); stored as (B, 3D, L) (a last dim that is not
// contiguous: copied at the door).
enum class QkvLayout { kContiguous, kNarrowed, kTransposed };

// qkv (B, L, 3D) ~ 1.5 randn: scores of a few units, so that softmax rows are far from uniform.
// float32: max |fused − reference| ≤ 2e-5 · (1 + max |reference|), for o and dqkv. (Both sum up to
// L products of O(1) terms in a different order; float32 rounding is ~6e-8 per operation.)
KernelCase attention_case(Shape s, Checks checks = 0, AttentionSimd simd = AttentionSimd::kWidest,
                          QkvLayout layout = QkvLayout::kContiguous) {
  const Layout layouts[] = {Layout{}, narrowed(3, 3 * s.D() + 5), stored_as({0, 2, 1})};
  const char* const layout_names[] = {"", "_narrowed", "_transposed"};
  KernelCase c;
  c.name = to_string(s) + simd_suffix(simd) + layout_names[static_cast<int>(layout)];
  c.inputs = {{"qkv", {s.B, s.L, 3 * s.D()}, normal(1.5), layouts[static_cast<int>(layout)]}};
  c.fused = [s](const Tensors& x) { return causal_attention_fused(x[0], s.H, s.W, rope_base(s)); };
  c.reference = [s](const Tensors& x) { return causal_attention_reference(x[0], s.H, s.W, rope_base(s)); };
  c.checks = checks;
  c.tolerances.float32 = 2e-5;
  c.scope = [simd] { return std::make_shared<AttentionSimdGuard>(simd); };
  return c;
}

std::vector<KernelCase> attention_cases() {
  std::vector<KernelCase> cases;
  // Key tiles and query blocks are 64, register blocks 6 rows × 1 or 2 SIMD vectors of keys (W =
  // 16, 8, 4 or 1 lanes): L = 1, L inside one tile, exactly one tile, not a multiple, several
  // tiles; hd odd (no RoPE), 1, small, 32, 128; windows of 1, inside a tile, across tiles, W ≥ L.
  for (const Shape s : {Shape{2, 1, 2, 8, 0, true}, Shape{2, 37, 3, 16, 0, true}, Shape{1, 64, 2, 32, 0, true},
                        Shape{2, 100, 4, 32, 0, true}, Shape{2, 129, 2, 5, 0, false}, Shape{1, 130, 2, 32, 16, true},
                        Shape{1, 200, 1, 64, 70, true}, Shape{1, 70, 2, 128, 0, true}, Shape{1, 50, 2, 8, 50, true},
                        Shape{1, 50, 2, 8, 1, true}, Shape{2, 65, 1, 12, 7, false}, Shape{1, 3, 1, 1, 0, false}})
    for (const AttentionSimd simd : kSimds) cases.push_back(attention_case(s, kFloat32, simd));
  for (const QkvLayout layout : {QkvLayout::kNarrowed, QkvLayout::kTransposed})
    cases.push_back(attention_case({2, 77, 2, 16, 0, true}, kFloat32, AttentionSimd::kWidest, layout));

  for (const Shape s : {Shape{2, 150, 2, 32, 0, true}, Shape{1, 90, 3, 7, 20, false}, Shape{2, 70, 1, 16, 1, true}})
    for (const AttentionSimd simd : kSimds) cases.push_back(attention_case(s, kFloat64, simd));

  for (const Shape s : {Shape{2, 5, 2, 4, 0, true}, Shape{1, 9, 1, 6, 3, true}, Shape{2, 7, 2, 3, 0, false},
                        Shape{2, 1, 1, 4, 0, true}, Shape{1, 70, 1, 2, 5, true}, Shape{1, 67, 1, 3, 0, false}})
    cases.push_back(attention_case(s, kFusedFiniteDifferences));
  cases.push_back(
      attention_case({1, 6, 2, 4, 0, true}, kFusedFiniteDifferences, AttentionSimd::kWidest, QkvLayout::kNarrowed));
  cases.push_back(attention_case({2, 6, 2, 4, 3, true}, kReferenceFiniteDifferences));

  // Every output element is reduced by one work unit.
  cases.push_back(attention_case({3, 150, 4, 32, 0, true}, kDeterminism));
  return cases;
}
FL_KERNEL_TESTS(Attention, attention_cases);

using Attention = torch::Tensor (*)(const torch::Tensor&, int64_t, int64_t, double);

TEST(Attention, ProbabilitiesAreRowStochasticAndZeroOutsideTheMask) {
  for (const Shape s : {Shape{2, 20, 2, 8, 0, true}, Shape{1, 20, 3, 5, 4, false}, Shape{1, 9, 1, 4, 1, true}}) {
    SCOPED_TRACE(to_string(s));
    const auto p = attention_probabilities(arguments_of(attention_case(s), torch::kDouble)[0], s.H, s.W, rope_base(s));
    ASSERT_EQ(p.sizes(), c10::IntArrayRef({s.B, s.H, s.L, s.L}));
    EXPECT_TRUE(torch::allclose(p.sum(-1), torch::ones({s.B, s.H, s.L}, torch::kDouble), 0, 1e-12));
    const auto i = torch::arange(s.L).unsqueeze(1), j = torch::arange(s.L).unsqueeze(0);
    auto outside = j > i;
    if (s.W > 0) outside = outside | (j <= i - s.W);
    EXPECT_EQ(p.masked_select(outside).abs().max().item<double>(), 0.0);
    EXPECT_GT(p.masked_select(outside.logical_not()).min().item<double>(), 0.0);
  }
}

TEST(Attention, DispatchFollowsKernelMode) {
  const Shape s{1, 30, 2, 8, 0, true};
  const auto qkv = arguments_of(attention_case(s), torch::kFloat)[0].detach();
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
