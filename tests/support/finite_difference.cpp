#include "support/finite_difference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

namespace fl::test_support {
namespace {

constexpr uint64_t kWeightSeed = 20240601;
constexpr int kMaxReportedPerInput = 10;

// "[i, j, k]" for the flat index `flat` of a tensor of shape `sizes` (row-major).
std::string multi_index(int64_t flat, c10::IntArrayRef sizes) {
  std::vector<int64_t> idx(sizes.size());
  for (int64_t k = static_cast<int64_t>(sizes.size()) - 1; k >= 0; --k) {
    idx[k] = flat % sizes[k];
    flat /= sizes[k];
  }
  std::ostringstream s;
  s << "[";
  for (size_t k = 0; k < idx.size(); ++k) s << (k ? ", " : "") << idx[k];
  s << "]";
  return s.str();
}

}  // namespace

void expect_gradients_match(const TensorFunction& f, std::vector<torch::Tensor> inputs, double eps,
                            double tol) {
  // Private leaf copies: contiguous float64, so elements can be perturbed through data_ptr.
  std::vector<size_t> checked;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].requires_grad()) continue;
    ASSERT_EQ(inputs[i].scalar_type(), torch::kDouble) << "input " << i << " must be float64";
    inputs[i] = inputs[i].detach().clone(at::MemoryFormat::Contiguous).requires_grad_(true);
    checked.push_back(i);
  }
  ASSERT_FALSE(checked.empty()) << "no input has requires_grad: nothing to check";

  const torch::Tensor out = f(inputs);
  ASSERT_EQ(out.scalar_type(), torch::kDouble) << "f must return a float64 tensor";
  auto gen = at::detail::createCPUGenerator(kWeightSeed);
  const torch::Tensor weight = torch::rand(out.sizes(), gen, out.options()) + 0.5;
  const auto loss_of = [&] { return (f(inputs) * weight).sum().item<double>(); };

  // Analytic gradients; undefined where f does not depend on the input (then zero).
  std::vector<torch::Tensor> leaves, grads(checked.size());
  for (size_t i : checked) leaves.push_back(inputs[i]);
  if (out.requires_grad())
    grads = torch::autograd::grad({(out * weight).sum()}, leaves, /*grad_outputs=*/{},
                                  /*retain_graph=*/false, /*create_graph=*/false,
                                  /*allow_unused=*/true);

  torch::NoGradGuard no_grad;
  for (size_t k = 0; k < checked.size(); ++k) {
    const size_t i = checked[k];
    double* x = inputs[i].data_ptr<double>();
    const torch::Tensor analytic =
        grads[k].defined() ? grads[k].contiguous() : torch::zeros_like(inputs[i]);
    const double* g = analytic.data_ptr<double>();
    int64_t n_bad = 0;
    for (int64_t j = 0; j < inputs[i].numel(); ++j) {
      const double original = x[j];
      x[j] = original + eps;
      const double loss_plus = loss_of();
      x[j] = original - eps;
      const double loss_minus = loss_of();
      x[j] = original;
      const double numeric = (loss_plus - loss_minus) / (2 * eps);
      const double err = std::abs(g[j] - numeric), bound = tol * (1 + std::abs(numeric));
      if (err <= bound) continue;
      if (++n_bad <= kMaxReportedPerInput)
        ADD_FAILURE() << "input " << i << " element " << multi_index(j, inputs[i].sizes())
                      << ": autograd " << g[j] << " vs finite difference " << numeric
                      << " (|diff| " << err << " > " << bound << ")";
    }
    EXPECT_EQ(n_bad, 0) << "input " << i << ": " << n_bad << " of " << inputs[i].numel()
                        << " gradient elements disagree with finite differences";
  }
}

}  // namespace fl::test_support
