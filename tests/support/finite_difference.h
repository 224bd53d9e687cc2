// Double-precision gradient check by central differences, for any differentiable function of
// tensors (kernels, norms, attention, convolutions, ...).
//
//   expect_gradients_match(
//       [](const std::vector<torch::Tensor>& x) { return my_op(x[0], x[1]); },
//       {torch::randn({2, 3}, torch::kDouble).requires_grad_(),   // checked
//        torch::randn({3}, torch::kDouble)});                       // held constant
//
// How it works: f's output is reduced to the scalar loss = Σ w ⊙ f(x), with a fixed random
// weight w in [0.5, 1.5) (seeded, same every run), so every output element contributes and a
// wrong gradient cannot hide behind symmetry. Autograd gives dloss/dx; then every element x_j
// of every input with requires_grad is perturbed in turn and compared with
//   (loss(x_j + eps) - loss(x_j - eps)) / (2 eps).
// An element fails when |autograd - finite difference| > tol · (1 + |finite difference|).
// Each failure is reported (up to a cap per input) as a non-fatal gtest failure naming the input
// index and the element's multi-index, followed by a per-input count.
//
// Requirements: f is deterministic; every checked input and f's output are float64. Inputs are
// copied, never modified: f receives the copies (so f may also install them, e.g. as a module's
// parameters). Inputs without requires_grad are passed through unchanged and not checked (masks,
// indices, constants); an input f ignores must have a zero finite difference. Cost:
// 2 · (number of checked elements) + 1 calls of f, so keep shapes small.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace fl::test_support {

using TensorFunction = std::function<torch::Tensor(const std::vector<torch::Tensor>&)>;

void expect_gradients_match(const TensorFunction& f, std::vector<torch::Tensor> inputs,
                            double eps = 1e-6, double tol = 1e-6);

}  // namespace fl::test_support
