// The fused gated linear scan against its libtorch reference, finite differences and itself (the
// kernel-case harness, support/kernel_case.h), for its three decay forms; the reference against
// the unrolled (quadratic) form of the same function; the decay forms against each other; its
// dispatch and rejected inputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "kernels/kernel_mode.h"
#include "kernels/linear_scan.h"
#include "support/kernel_case.h"

namespace {

using namespace fl::test_support;
using fl::kernels::linear_scan_fused;
using fl::kernels::linear_scan_reference;

struct Shape {
  int64_t B, L, H, K, V;
};
std::string to_string(const Shape& s) {
  return dims_name({{"B", s.B}, {"L", s.L}, {"H", s.H}, {"K", s.K}, {"V", s.V}});
}

enum class Decay {
  kNone,        // α = 1: plain linear attention
  kPerHead,     // log_decay (B, L, H, 1): Mamba-2, fixed per-head decay
  kPerChannel,  // log_decay (B, L, H, K): GLA
};
const Decay kDecays[] = {Decay::kNone, Decay::kPerHead, Decay::kPerChannel};
std::string to_string(Decay d) {
  return d == Decay::kNone ? "no_decay" : d == Decay::kPerHead ? "head_decay" : "channel_decay";
}

using ScanFn = torch::Tensor (*)(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                 const torch::Tensor&);

// fn applied to the arguments q, k, v and, when there is one, log_decay.
torch::Tensor call(ScanFn fn, const Tensors& x) {
  return fn(x[0], x[1], x[2], x.size() > 3 ? x[3] : torch::Tensor());
}

// log g = −ln 2 · sigmoid(randn): decays α = e^g in (0.5, 1).
torch::Tensor log_decays(const Draw& d) { return -std::log(2.0) * torch::sigmoid(d.normal()); }

// The determinism check compares the default thread count with one thread: make the default at
// least two, so that the work units of the case really split.
struct AtLeastTwoThreads {
  AtLeastTwoThreads() : saved(at::get_num_threads()) { at::set_num_threads(std::max(2, saved)); }
  ~AtLeastTwoThreads() { at::set_num_threads(saved); }
  int saved;
};

// Inputs q, k, v ~ randn, then log_decay. Strided: q and log_decay stored head-major
// (B, H, L, ·), k narrowed out of rows 2K + 1 wide at column K + 1, v stored with its last two
// dims swapped (the copying path for each; needs L, H, V > 1 so that the views are not
// contiguous). No decay keeps L modest in the cases below: its state only grows. float32: the
// sums over i and j run in other orders than libtorch's, and the dg of the fused kernel is a
// difference of sums over t.
KernelCase scan_case(Shape s, Decay decay, Checks checks, bool strided = false) {
  const auto when_strided = [&](Layout layout) { return strided ? layout : Layout{}; };
  KernelCase c;
  c.name = to_string(s) + "_" + to_string(decay) + (strided ? "_strided" : "");
  c.inputs = {{"q", {s.B, s.L, s.H, s.K}, normal(), when_strided(stored_as({0, 2, 1, 3}))},
              {"k", {s.B, s.L, s.H, s.K}, normal(), when_strided(narrowed(s.K + 1, 2 * s.K + 1))},
              {"v", {s.B, s.L, s.H, s.V}, normal(), when_strided(stored_as({0, 1, 3, 2}))}};
  if (decay != Decay::kNone)
    c.inputs.push_back({"log_decay", {s.B, s.L, s.H, decay == Decay::kPerHead ? 1 : s.K}, log_decays,
                        when_strided(stored_as({0, 2, 1, 3}))});
  c.fused = [](const Tensors& x) { return call(linear_scan_fused, x); };
  c.reference = [](const Tensors& x) { return call(linear_scan_reference, x); };
  c.checks = checks;
  c.tolerances.float32 = 1e-4;
  return c;
}

std::vector<KernelCase> linear_scan_cases() {
  std::vector<KernelCase> cases;
  // L = 1; H = 1 and H > 1; K ≠ V both ways; V below, at and above the 8 lanes of the row dot
  // products, and not a multiple of them; odd L.
  for (const Shape s : {Shape{2, 1, 3, 4, 5}, Shape{1, 37, 1, 8, 16}, Shape{2, 50, 4, 16, 12},
                        Shape{3, 64, 2, 5, 3}, Shape{1, 33, 2, 32, 24}, Shape{2, 9, 1, 1, 8}})
    for (const Decay d : kDecays) cases.push_back(scan_case(s, d, kFloat32 | kFloat64));
  for (const Decay d : kDecays) {
    cases.push_back(scan_case({2, 9, 3, 4, 5}, d, kFloat32 | kFloat64 | kFusedFiniteDifferences, true));
    cases.push_back(scan_case({2, 5, 2, 3, 4}, d, kFusedFiniteDifferences));
    cases.push_back(scan_case({1, 1, 2, 3, 2}, d, kFusedFiniteDifferences));
    cases.push_back(scan_case({1, 20, 1, 2, 9}, d, kFusedFiniteDifferences));
    cases.push_back(scan_case({2, 4, 2, 3, 2}, d, kReferenceFiniteDifferences));
    // Twelve (b, h) units of one grain each: split over the threads.
    KernelCase c = scan_case({3, 100, 4, 16, 16}, d, kDeterminism);
    c.scope = [] { return std::make_shared<AtLeastTwoThreads>(); };
    cases.push_back(c);
  }
  return cases;
}
FL_KERNEL_TESTS(LinearScan, linear_scan_cases);

// y_t = Σ_{s≤t} (q_t e^{c_t} · k_s e^{−c_s}) v_s with c_t = Σ_{s≤t} g_s: the reference's
// recurrence against the unrolled form, all pairs (t, s) at once (float64, short L so that
// e^{−c} stays small).
TEST(LinearScan, ReferenceMatchesQuadraticForm) {
  for (const Decay d : kDecays) {
    SCOPED_TRACE(to_string(d));
    const Shape s{2, 7, 3, 4, 5};
    const auto x = arguments_of(scan_case(s, d, kFloat64), torch::kDouble);
    const auto c = x.size() > 3 ? x[3].detach().cumsum(1) : torch::zeros({s.B, s.L, s.H, 1}, torch::kDouble);
    const auto q = x[0].detach() * torch::exp(c), k = x[1].detach() * torch::exp(-c);
    const auto causal = torch::ones({s.L, s.L}, torch::kDouble).tril();            // (t, s)
    const auto scores = torch::einsum("bthi,bshi->bhts", {q, k}) * causal;        // (B, H, L, L)
    const auto want = torch::einsum("bhts,bshv->bthv", {scores, x[2].detach()});  // (B, L, H, V)
    const auto got = call(linear_scan_reference, x).detach();
    EXPECT_TRUE(torch::allclose(got, want, 1e-10, 1e-10))
        << "max |reference - quadratic| " << (got - want).abs().max().item<double>();
  }
}

// A zero log_decay is no decay, and a per-head log_decay is the same per-channel one repeated
// over K: the same outputs, bit for bit (the same decays α in the same operations), and the
// per-head gradient is the per-channel one summed over K.
TEST(LinearScan, DecayFormsAgree) {
  const Shape s{2, 30, 3, 6, 7};
  const auto x = arguments_of(scan_case(s, Decay::kPerHead, kFloat64), torch::kDouble);
  const auto q = x[0].detach(), k = x[1].detach(), v = x[2].detach();
  EXPECT_TRUE(torch::equal(linear_scan_fused(q, k, v),
                           linear_scan_fused(q, k, v, torch::zeros({s.B, s.L, s.H, 1}, torch::kDouble))));
  const auto head = x[3].detach().requires_grad_(true);
  const auto channel = x[3].detach().expand({s.B, s.L, s.H, s.K}).contiguous().requires_grad_(true);
  const auto y_head = linear_scan_fused(q, k, v, head), y_channel = linear_scan_fused(q, k, v, channel);
  EXPECT_TRUE(torch::equal(y_head, y_channel));
  const auto dy = torch::randn(y_head.sizes(), torch::kDouble);
  const auto d_head = torch::autograd::grad({y_head}, {head}, {dy})[0];
  const auto d_channel = torch::autograd::grad({y_channel}, {channel}, {dy})[0].sum(-1, true);
  EXPECT_TRUE(torch::allclose(d_head, d_channel, 1e-12, 1e-12))
      << "max difference " << (d_head - d_channel).abs().max().item<double>();
}

TEST(LinearScan, DispatchFollowsKernelMode) {
  using fl::kernels::Mode;
  for (const Decay d : kDecays) {
    SCOPED_TRACE(to_string(d));
    const KernelCase c = scan_case({2, 40, 3, 8, 4}, d, kFloat32);
    const auto x = arguments_of(c, torch::kFloat);
    const auto scan = [&] {
      return fl::kernels::linear_scan(x[0], x[1], x[2], x.size() > 3 ? x[3] : torch::Tensor());
    };
    {
      const fl::kernels::ModeGuard guard(Mode::kFused);
      EXPECT_TRUE(torch::equal(scan(), c.fused(x)));
    }
    const fl::kernels::ModeGuard guard(Mode::kReference);
    EXPECT_TRUE(torch::equal(scan(), c.reference(x)));
  }
}

TEST(LinearScan, RejectsBadInputs) {
  const Shape s{2, 5, 3, 4, 6};
  const KernelCase c = scan_case(s, Decay::kPerChannel, kFloat32);
  const auto good = arguments_of(c, torch::kFloat);
  expect_rejected(c, {
                         replacing(good, 0, torch::randn({s.B, s.L, s.H * s.K})),                // q not 4-D
                         replacing(good, 0, torch::randn({s.B, 0, s.H, s.K})),                   // no time steps
                         replacing(good, 1, torch::randn({s.B, s.L, s.H, s.K + 1})),             // k wrong K
                         replacing(good, 1, torch::randn({s.B, s.L + 1, s.H, s.K})),             // k wrong L
                         replacing(good, 2, torch::randn({s.B, s.L, s.H + 1, s.V})),             // v wrong H
                         replacing(good, 2, torch::randn({s.B + 1, s.L, s.H, s.V})),             // v wrong B
                         replacing(good, 2, torch::randn({s.B, s.L, s.H * s.V})),                // v not 4-D
                         replacing(good, 3, -torch::rand({s.B, s.L, s.H, 2})),                   // neither 1 nor K
                         replacing(good, 3, -torch::rand({s.B, s.L - 1, s.H, s.K})),             // log_decay wrong L
                         replacing(good, 3, -torch::rand({s.B, s.L, s.H})),                      // log_decay not 4-D
                         replacing(good, 2, torch::randn({s.B, s.L, s.H, s.V}, torch::kDouble)), // mixed dtypes
                         replacing(good, 3, -torch::rand({s.B, s.L, s.H, 1}, torch::kDouble)),   // log_decay mixed
                     });
}

}  // namespace
