// The fused causal attention against its libtorch reference, finite differences and itself (the
// kernel-case harness, support/kernel_case.h), with every set of SIMD micro-kernels and every
// positional scheme (RoPE, ALiBi, Hard-ALiBi, none); ALiBi's slopes, the probabilities, dispatch
// and rejected inputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "kernels/attention.h"
#include "kernels/attention_positions.h"
#include "kernels/kernel_mode.h"
#include "support/kernel_case.h"

namespace {

using namespace fl::test_support;
using fl::kernels::attention_probabilities;
using fl::kernels::causal_attention;
using fl::kernels::causal_attention_fused;
using fl::kernels::causal_attention_reference;
using fl::kernels::AttentionPositions;
using fl::kernels::AttentionSimd;
using fl::kernels::AttentionSimdGuard;

constexpr double kRopeBase = 10000.0;

// The per-head terms besides RoPE: none, ALiBi's slopes, or Hard-ALiBi windows.
enum class Bias { kNone, kAlibi, kHardAlibi };

struct Shape {
  int64_t B, L, H, hd, W;
  bool rope;
  Bias bias = Bias::kNone;
  int64_t D() const { return H * hd; }
};
std::string to_string(const Shape& s) {
  const char* const bias_names[] = {"", "_alibi", "_hardalibi"};
  return dims_name({{"B", s.B}, {"L", s.L}, {"H", s.H}, {"hd", s.hd}, {"W", s.W}}) + (s.rope ? "_rope" : "_norope") +
         bias_names[static_cast<int>(s.bias)];
}

// Hard-ALiBi test windows, head by head: 3 keys, unlimited, 70 (across a key tile), 1 (itself), 17.
std::vector<int64_t> test_windows(int64_t H) {
  const int64_t cycle[] = {3, 0, 70, 1, 17};
  std::vector<int64_t> windows;
  for (int64_t h = 0; h < H; ++h) windows.push_back(cycle[h % 5]);
  return windows;
}

AttentionPositions positions(const Shape& s) {
  AttentionPositions p{s.W, s.rope ? kRopeBase : 0.0, {}, {}};
  if (s.bias == Bias::kAlibi) p.slopes = fl::kernels::alibi_slopes(s.H);
  if (s.bias == Bias::kHardAlibi) p.head_windows = test_windows(s.H);
  return p;
}

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
  c.fused = [s](const Tensors& x) { return causal_attention_fused(x[0], s.H, positions(s)); };
  c.reference = [s](const Tensors& x) { return causal_attention_reference(x[0], s.H, positions(s)); };
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
  // ALiBi (alone, and with RoPE and a window), Hard-ALiBi windows (alone, and inside W = 40, where
  // head 2's 70 is cut to 40).
  for (const Shape s : {Shape{2, 100, 4, 32, 0, false, Bias::kAlibi}, Shape{1, 130, 3, 16, 16, true, Bias::kAlibi},
                        Shape{2, 150, 5, 16, 0, false, Bias::kHardAlibi},
                        Shape{1, 200, 3, 8, 40, false, Bias::kHardAlibi}})
    for (const AttentionSimd simd : kSimds) cases.push_back(attention_case(s, kFloat32, simd));
  for (const QkvLayout layout : {QkvLayout::kNarrowed, QkvLayout::kTransposed})
    cases.push_back(attention_case({2, 77, 2, 16, 0, true}, kFloat32, AttentionSimd::kWidest, layout));

  for (const Shape s : {Shape{2, 150, 2, 32, 0, true}, Shape{1, 90, 3, 7, 20, false}, Shape{2, 70, 1, 16, 1, true},
                        Shape{1, 90, 3, 7, 0, false, Bias::kAlibi}, Shape{2, 150, 5, 16, 0, false, Bias::kHardAlibi}})
    for (const AttentionSimd simd : kSimds) cases.push_back(attention_case(s, kFloat64, simd));

  for (const Shape s : {Shape{2, 5, 2, 4, 0, true}, Shape{1, 9, 1, 6, 3, true}, Shape{2, 7, 2, 3, 0, false},
                        Shape{2, 1, 1, 4, 0, true}, Shape{1, 70, 1, 2, 5, true}, Shape{1, 67, 1, 3, 0, false},
                        Shape{2, 9, 2, 4, 0, false, Bias::kAlibi}, Shape{1, 72, 4, 2, 0, false, Bias::kHardAlibi},
                        Shape{1, 9, 3, 3, 4, false, Bias::kHardAlibi}})
    cases.push_back(attention_case(s, kFusedFiniteDifferences));
  cases.push_back(
      attention_case({1, 6, 2, 4, 0, true}, kFusedFiniteDifferences, AttentionSimd::kWidest, QkvLayout::kNarrowed));
  cases.push_back(attention_case({2, 6, 2, 4, 3, true}, kReferenceFiniteDifferences));
  cases.push_back(attention_case({1, 8, 3, 2, 0, false, Bias::kAlibi}, kReferenceFiniteDifferences));

  // Every output element is reduced by one work unit.
  cases.push_back(attention_case({3, 150, 4, 32, 0, true}, kDeterminism));
  cases.push_back(attention_case({2, 150, 4, 16, 0, false, Bias::kHardAlibi}, kDeterminism));
  return cases;
}
FL_KERNEL_TESTS(Attention, attention_cases);

using Attention = torch::Tensor (*)(const torch::Tensor&, int64_t, const AttentionPositions&);

// Press et al.'s slopes: 2^(−8(h+1)/H) for H a power of two; for H = 6 those of 4 heads, then the
// 8-head list's slopes 1 and 3 (2^-1, 2^-3); for H = 12 those of 8, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5.
TEST(Attention, AlibiSlopesFollowPress) {
  const auto powers = [](std::vector<double> exponents) {
    std::vector<double> slopes;
    for (double e : exponents) slopes.push_back(std::exp2(e));
    return slopes;
  };
  EXPECT_EQ(fl::kernels::alibi_slopes(8), powers({-1, -2, -3, -4, -5, -6, -7, -8}));
  EXPECT_EQ(fl::kernels::alibi_slopes(1), powers({-8}));
  EXPECT_EQ(fl::kernels::alibi_slopes(6), powers({-2, -4, -6, -8, -1, -3}));
  EXPECT_EQ(fl::kernels::alibi_slopes(12), powers({-1, -2, -3, -4, -5, -6, -7, -8, -0.5, -1.5, -2.5, -3.5}));
  // Jelassi et al.'s Hard-ALiBi default: half the heads masked to their last 1, 2, … keys.
  EXPECT_EQ(fl::kernels::hard_alibi_windows(16), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(fl::kernels::hard_alibi_windows(3), (std::vector<int64_t>{1, 0, 0}));
}

// Per head h, the keys it sees: j ≤ i, and i − j < r_h when r_h > 0 (W and the Hard-ALiBi window).
TEST(Attention, ProbabilitiesAreRowStochasticAndZeroOutsideTheMask) {
  for (const Shape s : {Shape{2, 20, 2, 8, 0, true}, Shape{1, 20, 3, 5, 4, false}, Shape{1, 9, 1, 4, 1, true},
                        Shape{1, 80, 5, 4, 0, false, Bias::kHardAlibi}, Shape{1, 30, 5, 4, 10, false, Bias::kHardAlibi},
                        Shape{2, 20, 4, 4, 6, false, Bias::kAlibi}}) {
    SCOPED_TRACE(to_string(s));
    const auto pos = positions(s);
    const auto p = attention_probabilities(arguments_of(attention_case(s), torch::kDouble)[0], s.H, pos);
    ASSERT_EQ(p.sizes(), c10::IntArrayRef({s.B, s.H, s.L, s.L}));
    EXPECT_TRUE(torch::allclose(p.sum(-1), torch::ones({s.B, s.H, s.L}, torch::kDouble), 0, 1e-12));
    const auto i = torch::arange(s.L).unsqueeze(1), j = torch::arange(s.L).unsqueeze(0);
    for (int64_t h = 0; h < s.H; ++h) {
      auto outside = j > i;
      if (pos.reach(h) > 0) outside = outside | (j <= i - pos.reach(h));
      const auto ph = p.select(1, h);
      EXPECT_EQ(ph.masked_select(outside).abs().max().item<double>(), 0.0) << "head " << h;
      EXPECT_GT(ph.masked_select(outside.logical_not()).min().item<double>(), 0.0) << "head " << h;
    }
  }
}

// With q = 0 every score is the ALiBi term alone: p_ij ∝ exp(−m_h (i − j)), fused and reference.
TEST(Attention, AlibiWeighsKeysByDistance) {
  const int64_t L = 12, H = 4, hd = 1;
  auto qkv = torch::zeros({1, L, 3 * H * hd}, torch::kDouble);
  qkv.narrow(2, 2 * H, H).copy_(torch::arange(L, torch::kDouble).view({1, L, 1}).expand({1, L, H}));  // v_j = j
  const AttentionPositions pos{0, 0.0, fl::kernels::alibi_slopes(H), {}};
  const auto p = attention_probabilities(qkv, H, pos);  // (1, H, L, L)
  for (int64_t h = 0; h < H; ++h) {
    const double m = pos.slopes[h];
    EXPECT_NEAR(p[0][h][L - 1][L - 2].item<double>() / p[0][h][L - 1][L - 1].item<double>(), std::exp(-m), 1e-12);
    EXPECT_NEAR(p[0][h][L - 1][0].item<double>() / p[0][h][L - 1][L - 1].item<double>(), std::exp(-m * (L - 1)), 1e-12);
  }
  const auto o = causal_attention_fused(qkv, H, pos);  // o_i = Σ_j p_ij j, per head
  const auto expected = torch::matmul(p, torch::arange(L, torch::kDouble)).transpose(1, 2).reshape({1, L, H});
  EXPECT_TRUE(torch::allclose(o, expected, 0, 1e-12));
}

TEST(Attention, DispatchFollowsKernelMode) {
  for (const Shape s : {Shape{1, 30, 2, 8, 0, true}, Shape{1, 30, 3, 8, 0, false, Bias::kHardAlibi}}) {
    const auto qkv = arguments_of(attention_case(s), torch::kFloat)[0].detach();
    for (const auto mode : {fl::kernels::Mode::kFused, fl::kernels::Mode::kReference}) {
      fl::kernels::ModeGuard guard(mode);
      const Attention expected = mode == fl::kernels::Mode::kFused ? causal_attention_fused : causal_attention_reference;
      EXPECT_TRUE(torch::equal(causal_attention(qkv, s.H, positions(s)), expected(qkv, s.H, positions(s))))
          << fl::kernels::mode_name(mode) << " " << to_string(s);
    }
  }
}

TEST(Attention, RejectsBadInputs) {
  struct Case {
    const char* what;
    torch::Tensor qkv;
    int64_t n_head;
    AttentionPositions positions;
  };
  const auto good = torch::randn({2, 5, 24});  // D = 8
  const AttentionPositions rope{0, kRopeBase, {}, {}};
  const std::vector<Case> bad = {
      {"3D not divisible by 3H", good, 3, rope},
      {"3D not divisible by 3", torch::randn({2, 5, 25}), 1, {}},
      {"RoPE with odd hd", torch::randn({2, 5, 30}), 2, rope},
      {"qkv not 3-D", torch::randn({10, 24}), 2, rope},
      {"no positions", torch::randn({2, 0, 24}), 2, rope},
      {"n_head 0", good, 0, rope},
      {"negative window", good, 2, {-1, kRopeBase, {}, {}}},
      {"negative rope base", good, 2, {0, -1.0, {}, {}}},
      {"integer qkv", good.to(torch::kInt), 2, rope},
      {"a slope per head missing", good, 2, {0, 0.0, {0.5}, {}}},
      {"an infinite slope", good, 2, {0, 0.0, {0.5, std::numeric_limits<double>::infinity()}, {}}},
      {"a window per head too many", good, 2, {0, 0.0, {}, {1, 2, 3}}},
      {"a negative head window", good, 2, {0, 0.0, {}, {1, -2}}},
  };
  for (const auto& c : bad) {
    for (Attention attention : {causal_attention_fused, causal_attention_reference, attention_probabilities})
      EXPECT_THROW(attention(c.qkv, c.n_head, c.positions), c10::Error) << c.what;
  }
}

}  // namespace
