// The fused RMSNorm against its libtorch reference, finite differences and itself (the
// kernel-case harness, support/kernel_case.h); dispatch and rejected inputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "kernels/kernel_mode.h"
#include "kernels/rms_norm.h"
#include "support/kernel_case.h"

namespace {

using namespace fl::test_support;
using fl::kernels::rms_norm;
using fl::kernels::rms_norm_fused;
using fl::kernels::rms_norm_reference;

constexpr double kEps = 1e-5;  // Mamba's (docs/SOURCES.md §1)

// Inputs x ~ randn (shape) and weight ~ 1 + 0.3 randn (D), a trained-looking gain; x stored with
// its first two dims swapped when `permuted` (not contiguous: the kernel copies it). float32
// tolerance as default: dweight sums R terms in another order than libtorch's.
KernelCase norm_case(std::vector<int64_t> shape, Checks checks = 0, bool permuted = false) {
  KernelCase c;
  for (const int64_t n : shape) c.name += (c.name.empty() ? "" : "x") + std::to_string(n);
  if (permuted) c.name += "_permuted";
  c.inputs = {{"x", shape, normal(), permuted ? stored_as({1, 0, 2}) : Layout{}},
              {"weight", {shape.back()}, normal(0.3, 1)}};
  c.fused = [](const Tensors& x) { return rms_norm_fused(x[0], x[1], kEps); };
  c.reference = [](const Tensors& x) { return rms_norm_reference(x[0], x[1], kEps); };
  c.checks = checks;
  return c;
}

std::vector<KernelCase> rms_norm_cases() {
  std::vector<KernelCase> cases;
  // Row blocks are 32 rows: one row, D = 1, rows below / past / not a multiple of a block, 1-D x,
  // and the training shape (16, 128, 128).
  for (const auto& shape : std::vector<std::vector<int64_t>>{{1, 1}, {70, 1}, {3, 5, 7}, {33, 200}, {2, 1, 1000},
                                                             {13}, {16, 128, 128}})
    cases.push_back(norm_case(shape, kFloat32));
  cases.push_back(norm_case({6, 40, 24}, kFloat32, /*permuted=*/true));

  cases.push_back(norm_case({5, 41, 96}, kFloat64));

  for (const auto& shape : std::vector<std::vector<int64_t>>{{2, 3, 5}, {1, 1}, {4, 1}, {7}, {35, 2}})
    cases.push_back(norm_case(shape, kFusedFiniteDifferences));
  cases.push_back(norm_case({2, 3, 5}, kReferenceFiniteDifferences));

  // dweight is summed in a fixed order.
  cases.push_back(norm_case({9, 130, 257}, kDeterminism));
  return cases;
}
FL_KERNEL_TESTS(RmsNorm, rms_norm_cases);

TEST(RmsNorm, DispatchFollowsKernelMode) {
  const auto x = arguments_of(norm_case({3, 4}), torch::kFloat);
  using fl::kernels::Mode;
  const auto node_name = [&](Mode m) {
    fl::kernels::ModeGuard guard(m);
    return rms_norm(x[0], x[1], kEps).grad_fn()->name();
  };
  EXPECT_NE(node_name(Mode::kFused).find("RmsNorm"), std::string::npos);
  EXPECT_EQ(node_name(Mode::kReference).find("RmsNorm"), std::string::npos);
}

TEST(RmsNorm, RejectsBadInputs) {
  const KernelCase c = norm_case({2, 5});
  const auto x = torch::randn({2, 5}), w = torch::ones({5});
  expect_rejected(c, {
                         {x, torch::ones({4})},                     // weight wrong D
                         {x, torch::ones({1, 5})},                  // weight not 1-D
                         {torch::randn({}), torch::ones({1})},      // x 0-D
                         {torch::randn({2, 0}), torch::ones({0})},  // D = 0
                         {x, w.to(torch::kDouble)},                 // mixed dtypes
                     });
  EXPECT_THROW(rms_norm_fused(x, w, -1e-5), c10::Error) << "negative eps";
}

}  // namespace
