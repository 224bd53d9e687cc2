// The fused RMSNorm against its libtorch reference and finite differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "kernels/kernel_mode.h"
#include "kernels/rms_norm.h"
#include "support/determinism.h"
#include "support/finite_difference.h"

namespace {

using fl::kernels::rms_norm;
using fl::kernels::rms_norm_fused;
using fl::kernels::rms_norm_reference;

constexpr double kEps = 1e-5;  // Mamba's (REFERENCE §1)

// x ~ randn (shape); weight ~ 1 + 0.3 randn (D), a trained-looking gain. Both require grad.
// Order: x, weight.
std::vector<torch::Tensor> random_inputs(c10::IntArrayRef shape, torch::Dtype dtype,
                                         uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  const auto opts = torch::TensorOptions().dtype(dtype);
  std::vector<torch::Tensor> x = {torch::randn(shape, gen, opts),
                                  1 + 0.3 * torch::randn({shape.back()}, gen, opts)};
  for (auto& t : x) t.requires_grad_(true);
  return x;
}

torch::Tensor random_dy(c10::IntArrayRef shape, torch::Dtype dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randn(shape, gen, torch::TensorOptions().dtype(dtype));
}

torch::Tensor fused(const std::vector<torch::Tensor>& x) {
  return rms_norm_fused(x[0], x[1], kEps);
}
torch::Tensor reference(const std::vector<torch::Tensor>& x) {
  return rms_norm_reference(x[0], x[1], kEps);
}

using Norm = torch::Tensor (*)(const std::vector<torch::Tensor>&);

// y and the gradients of Σ dy ⊙ y with respect to x and weight.
std::vector<torch::Tensor> output_and_grads(Norm norm, const std::vector<torch::Tensor>& x,
                                            const torch::Tensor& dy) {
  const auto y = norm(x);
  auto result = torch::autograd::grad({y}, x, {dy});
  result.insert(result.begin(), y.detach());
  return result;
}

constexpr const char* kNames[] = {"y", "dx", "dweight"};

// float32: max |fused - reference| ≤ 1e-5 · (1 + max |reference|), for y and every gradient
// (dweight sums R terms in a different order from libtorch's).
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

std::string to_string(c10::IntArrayRef shape) {
  std::string name;
  for (const int64_t n : shape) name += (name.empty() ? "" : "x") + std::to_string(n);
  return name;
}

class RmsNormVsReference : public testing::TestWithParam<std::vector<int64_t>> {};

TEST_P(RmsNormVsReference, OutputAndAllGradientsMatchInFloat32) {
  const auto shape = GetParam();
  const auto x = random_inputs(shape, torch::kFloat, 1234 + shape.back());
  const auto dy = random_dy(shape, torch::kFloat, 99);
  expect_close_float32(output_and_grads(fused, x, dy), output_and_grads(reference, x, dy));
}

// Row blocks are 32 rows: one row, D = 1, rows below / past / not a multiple of a block, 1-D x,
// and the training shape (16, 128, 128).
INSTANTIATE_TEST_SUITE_P(Shapes, RmsNormVsReference,
                         testing::Values(std::vector<int64_t>{1, 1}, std::vector<int64_t>{70, 1},
                                         std::vector<int64_t>{3, 5, 7},
                                         std::vector<int64_t>{33, 200},
                                         std::vector<int64_t>{2, 1, 1000}, std::vector<int64_t>{13},
                                         std::vector<int64_t>{16, 128, 128}),
                         [](const testing::TestParamInfo<std::vector<int64_t>>& info) {
                           return to_string(info.param);
                         });

TEST(RmsNorm, FusedGradientsMatchFiniteDifferences) {
  for (const std::vector<int64_t>& shape :
       {std::vector<int64_t>{2, 3, 5}, std::vector<int64_t>{1, 1}, std::vector<int64_t>{4, 1},
        std::vector<int64_t>{7}, std::vector<int64_t>{35, 2}}) {
    SCOPED_TRACE(to_string(shape));
    fl::test_support::expect_gradients_match(fused,
                                             random_inputs(shape, torch::kDouble, 42 + shape[0]));
  }
}

TEST(RmsNorm, ReferenceGradientsMatchFiniteDifferences) {
  fl::test_support::expect_gradients_match(reference, random_inputs({2, 3, 5}, torch::kDouble, 42));
}

TEST(RmsNorm, FusedMatchesReferenceInFloat64) {
  const std::vector<int64_t> shape{5, 41, 96};
  const auto x = random_inputs(shape, torch::kDouble, 3);
  const auto dy = random_dy(shape, torch::kDouble, 4);
  const auto got = output_and_grads(fused, x, dy), want = output_and_grads(reference, x, dy);
  for (size_t k = 0; k < got.size(); ++k)
    EXPECT_TRUE(torch::allclose(got[k], want[k], 1e-10, 1e-10)) << kNames[k];
}

TEST(RmsNorm, NonContiguousInputMatchesReference) {
  const std::vector<int64_t> shape{6, 40, 24};
  auto x = random_inputs(shape, torch::kFloat, 7);
  x[0] = x[0].detach().transpose(0, 1).contiguous().transpose(0, 1).requires_grad_(true);
  ASSERT_FALSE(x[0].is_contiguous());
  const auto dy = random_dy(shape, torch::kFloat, 99);
  expect_close_float32(output_and_grads(fused, x, dy), output_and_grads(reference, x, dy));
}

TEST(RmsNorm, DispatchFollowsKernelMode) {
  const auto x = random_inputs({3, 4}, torch::kFloat, 1);
  using fl::kernels::Mode;
  const auto node_name = [&](Mode m) {
    fl::kernels::ModeGuard guard(m);
    return rms_norm(x[0], x[1], kEps).grad_fn()->name();
  };
  EXPECT_NE(node_name(Mode::kFused).find("RmsNorm"), std::string::npos);
  EXPECT_EQ(node_name(Mode::kReference).find("RmsNorm"), std::string::npos);
}

// Bit-identical across runs and across thread counts: dweight is summed in a fixed order.
TEST(RmsNorm, FusedIsDeterministic) {
  const std::vector<int64_t> shape{9, 130, 257};
  const auto x = random_inputs(shape, torch::kFloat, 11);
  const auto dy = random_dy(shape, torch::kFloat, 99);
  fl::test_support::expect_bit_identical_runs([&] { return output_and_grads(fused, x, dy); },
                                              {std::begin(kNames), std::end(kNames)});
}

TEST(RmsNorm, RejectsBadInputs) {
  const auto x = torch::randn({2, 5}), w = torch::ones({5});
  const std::vector<std::pair<torch::Tensor, torch::Tensor>> bad = {
      {x, torch::ones({4})},                     // weight wrong D
      {x, torch::ones({1, 5})},                  // weight not 1-D
      {torch::randn({}), torch::ones({1})},      // x 0-D
      {torch::randn({2, 0}), torch::ones({0})},  // D = 0
      {x, w.to(torch::kDouble)},                 // mixed dtypes
      {x.to(torch::kInt), w.to(torch::kInt)},    // integers
  };
  for (size_t k = 0; k < bad.size(); ++k) {
    EXPECT_THROW(rms_norm_fused(bad[k].first, bad[k].second, kEps), c10::Error) << "case " << k;
    EXPECT_THROW(rms_norm_reference(bad[k].first, bad[k].second, kEps), c10::Error) << "case " << k;
  }
  EXPECT_THROW(rms_norm_fused(x, w, -1e-5), c10::Error) << "negative eps";
}

}  // namespace
