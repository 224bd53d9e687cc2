// The fused selective scan against its libtorch reference and against finite differences.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ostream>
#include <string>
#include <vector>

#include "kernels/selective_scan.h"
#include "support/finite_difference.h"

namespace {

using fl::kernels::selective_scan;
using fl::kernels::selective_scan_reference;

struct Shape {
  int64_t B, L, Di, N;
};
std::string to_string(const Shape& s) {
  return "B" + std::to_string(s.B) + "_L" + std::to_string(s.L) + "_Di" + std::to_string(s.Di) +
         "_N" + std::to_string(s.N);
}
void PrintTo(const Shape& s, std::ostream* os) { *os << to_string(s); }

// Realistic inputs in `dtype`, all requiring grad: u, B, C ~ randn; delta = softplus(randn), mostly
// in (0.01, 2); A = -exp(0.5 randn) < 0; D ~ randn. Order: u, delta, A, Bm, Cm, D.
std::vector<torch::Tensor> random_inputs(Shape s, torch::Dtype dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  const auto opts = torch::TensorOptions().dtype(dtype);
  const auto randn = [&](c10::IntArrayRef sizes) { return torch::randn(sizes, gen, opts); };
  std::vector<torch::Tensor> x = {randn({s.B, s.L, s.Di}),
                                  torch::softplus(randn({s.B, s.L, s.Di})),
                                  -torch::exp(0.5 * randn({s.Di, s.N})),
                                  randn({s.B, s.L, s.N}),
                                  randn({s.B, s.L, s.N}),
                                  randn({s.Di})};
  for (auto& t : x) t.requires_grad_(true);
  return x;
}

// A fixed upstream gradient dy for y.
torch::Tensor random_dy(Shape s, torch::Dtype dtype, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randn({s.B, s.L, s.Di}, gen, torch::TensorOptions().dtype(dtype));
}

torch::Tensor fused(const std::vector<torch::Tensor>& x) {
  return selective_scan(x[0], x[1], x[2], x[3], x[4], x[5]);
}
torch::Tensor reference(const std::vector<torch::Tensor>& x) {
  return selective_scan_reference(x[0], x[1], x[2], x[3], x[4], x[5]);
}

using Scan = torch::Tensor (*)(const std::vector<torch::Tensor>&);

// y and the gradients of Σ dy ⊙ y with respect to the six inputs, in input order.
std::vector<torch::Tensor> output_and_grads(Scan scan, const std::vector<torch::Tensor>& x,
                                            const torch::Tensor& dy) {
  const auto y = scan(x);
  auto result = torch::autograd::grad({y}, x, {dy});
  result.insert(result.begin(), y.detach());
  return result;
}

constexpr const char* kNames[] = {"y", "du", "ddelta", "dA", "dBm", "dCm", "dD"};

// float32: max |fused - reference| ≤ 1e-5 · (1 + max |reference|), for y and every gradient.
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

class SelectiveScanVsReference : public testing::TestWithParam<Shape> {};

TEST_P(SelectiveScanVsReference, OutputAndAllGradientsMatchInFloat32) {
  const Shape s = GetParam();
  const auto x = random_inputs(s, torch::kFloat, 1234 + s.L);
  const auto dy = random_dy(s, torch::kFloat, 99);
  expect_close_float32(output_and_grads(fused, x, dy), output_and_grads(reference, x, dy));
}

// Chunks are 64 steps and channel blocks 32 channels: cover L = 1, L inside one chunk, exactly one
// chunk, not a multiple of the chunk, several chunks; B = 1; Di below, at and past one block.
INSTANTIATE_TEST_SUITE_P(Shapes, SelectiveScanVsReference,
                         testing::Values(Shape{2, 1, 8, 16}, Shape{1, 37, 16, 16},
                                         Shape{2, 64, 32, 8}, Shape{2, 100, 40, 16},
                                         Shape{1, 200, 5, 3}, Shape{3, 257, 70, 4}),
                         [](const testing::TestParamInfo<Shape>& info) {
                           return to_string(info.param);
                         });

TEST(SelectiveScan, NonContiguousInputsMatchReference) {
  const Shape s{2, 70, 6, 4};
  auto x = random_inputs(s, torch::kFloat, 7);
  // Same values, transposed storage for u and Bm.
  x[0] = x[0].detach().transpose(1, 2).contiguous().transpose(1, 2).requires_grad_(true);
  x[3] = x[3].detach().transpose(0, 2).contiguous().transpose(0, 2).requires_grad_(true);
  ASSERT_FALSE(x[0].is_contiguous());
  ASSERT_FALSE(x[3].is_contiguous());
  const auto dy = random_dy(s, torch::kFloat, 99);
  expect_close_float32(output_and_grads(fused, x, dy), output_and_grads(reference, x, dy));
}

TEST(SelectiveScan, FusedGradientsMatchFiniteDifferences) {
  for (const Shape s : {Shape{2, 5, 3, 4}, Shape{2, 9, 3, 4}, Shape{1, 130, 2, 3}}) {
    SCOPED_TRACE(to_string(s));
    fl::test_support::expect_gradients_match(fused, random_inputs(s, torch::kDouble, 42 + s.L));
  }
}

TEST(SelectiveScan, ReferenceGradientsMatchFiniteDifferences) {
  for (const Shape s : {Shape{2, 5, 3, 4}, Shape{2, 9, 3, 4}}) {
    SCOPED_TRACE(to_string(s));
    fl::test_support::expect_gradients_match(reference, random_inputs(s, torch::kDouble, 42 + s.L));
  }
}

TEST(SelectiveScan, FusedMatchesReferenceInFloat64) {
  const Shape s{2, 150, 40, 8};
  const auto x = random_inputs(s, torch::kDouble, 3);
  const auto dy = random_dy(s, torch::kDouble, 4);
  const auto got = output_and_grads(fused, x, dy), want = output_and_grads(reference, x, dy);
  for (size_t k = 0; k < got.size(); ++k)
    EXPECT_TRUE(torch::allclose(got[k], want[k], 1e-10, 1e-10)) << kNames[k];
}

// Bit-identical across runs and across thread counts: the dB/dC/dA/dD reductions have a fixed
// order.
TEST(SelectiveScan, FusedIsDeterministic) {
  const Shape s{3, 150, 70, 16};
  const auto x = random_inputs(s, torch::kFloat, 11);
  const auto dy = random_dy(s, torch::kFloat, 99);
  const int threads = at::get_num_threads();
  const auto first = output_and_grads(fused, x, dy);
  const auto second = output_and_grads(fused, x, dy);
  at::set_num_threads(1);
  const auto single = output_and_grads(fused, x, dy);
  at::set_num_threads(threads);
  for (size_t k = 0; k < first.size(); ++k) {
    EXPECT_TRUE(torch::equal(first[k], second[k])) << kNames[k] << " differs between two runs";
    EXPECT_TRUE(torch::equal(first[k], single[k])) << kNames[k] << " differs with 1 thread";
  }
}

TEST(SelectiveScan, RejectsBadInputs) {
  const Shape s{2, 5, 3, 4};
  const auto good = random_inputs(s, torch::kFloat, 5);
  const auto with = [&](size_t k, torch::Tensor t) {
    auto x = good;
    x[k] = std::move(t);
    return x;
  };
  const std::vector<std::vector<torch::Tensor>> bad = {
      with(0, torch::randn({s.B * s.L, s.Di})),           // u not 3-D
      with(0, torch::randn({s.B, 0, s.Di})),              // no time steps
      with(1, torch::rand({s.B, s.L, s.Di + 1})),         // delta wrong Di
      with(2, -torch::rand({s.Di + 1, s.N})),             // A wrong Di
      with(2, -torch::rand({s.Di})),                      // A not 2-D
      with(3, torch::randn({s.B, s.L, s.N + 1})),         // Bm wrong N
      with(4, torch::randn({s.B, s.L + 1, s.N})),         // Cm wrong L
      with(5, torch::randn({s.Di, 1})),                   // D not 1-D
      with(5, torch::randn({s.Di}, torch::kDouble)),      // mixed dtypes
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
