// Double-precision finite-difference gradient checks of the model's building blocks (the
// kernels and RoPE have theirs in tests/kernels).
#include <gtest/gtest.h>

#include "models/lm.h"
#include "models/mamba.h"
#include "models/transformer.h"
#include "support/finite_difference.h"
#include "support/fixtures.h"

namespace fl {
namespace {

using test_support::expect_gradients_match;

torch::Tensor rand64(std::vector<int64_t> shape) {
  return torch::randn(shape, torch::kFloat64).requires_grad_();
}

TEST(Gradients, RmsNormAndLayerNorm) {
  for (const char* kind : {"rmsnorm", "layernorm"}) {
    Norm norm(5, kind, 1e-5);
    norm->to(torch::kFloat64);
    expect_gradients_match([&](const std::vector<torch::Tensor>& x) { return norm->forward(x[0]); },
                           {rand64({3, 5})});
  }
}

// Whole blocks in double: the input's gradient through the FD helper, and every parameter's
// gradient by perturbing (a sample of) its elements in place.
void check_block(const std::string& model_json) {
  auto config = test_support::config_from_json(R"({"model": )" + model_json + "}");
  torch::manual_seed(1);
  LanguageModel model(config.model);
  model->to(torch::kFloat64);
  auto& block = model->layer(0);
  auto input = torch::randn({2, 7, config.model.d_model}, torch::kFloat64);
  auto weight = torch::rand_like(input) + 0.5;  // loss = Σ w ⊙ block(x)

  expect_gradients_match([&](const std::vector<torch::Tensor>& x) { return block.forward(x[0]); },
                         {input.clone().requires_grad_()});

  block.zero_grad();
  (block.forward(input) * weight).sum().backward();
  torch::NoGradGuard no_grad;
  const double eps = 1e-6;
  for (const auto& p : block.named_parameters()) {
    auto flat = p.value().view({-1});
    auto grad = p.value().grad().view({-1});
    const int64_t stride = std::max<int64_t>(1, flat.numel() / 16);  // ≤ 16 elements per parameter
    for (int64_t j = 0; j < flat.numel(); j += stride) {
      const double orig = flat[j].item<double>();
      flat[j] = orig + eps;
      const double up = (block.forward(input) * weight).sum().item<double>();
      flat[j] = orig - eps;
      const double down = (block.forward(input) * weight).sum().item<double>();
      flat[j] = orig;
      const double fd = (up - down) / (2 * eps), analytic = grad[j].item<double>();
      EXPECT_NEAR(analytic, fd, 1e-6 * (1 + std::abs(fd))) << p.key() << "[" << j << "]";
    }
  }
}

TEST(Gradients, MambaBlock) { check_block(R"({"type": "mamba", "d_model": 8, "d_state": 4, "d_conv": 3})"); }
TEST(Gradients, TransformerBlockRope) { check_block(R"({"type": "transformer", "d_model": 8, "n_head": 2})"); }
TEST(Gradients, WindowBlockLayerNorm) {
  check_block(R"({"type": "window", "d_model": 8, "n_head": 2, "window": 3, "norm": "layernorm"})");
}

TEST(Gradients, Mamba2Block) { check_block(R"({"type": "mamba2", "d_model": 8, "d_state": 3, "headdim": 4})"); }
TEST(Gradients, Mamba2BlockGroupsLayerNorm) {
  check_block(R"({"type": "mamba2", "d_model": 8, "d_state": 2, "headdim": 2, "ngroups": 2, "d_conv": 3, "norm": "layernorm"})");
}
TEST(Gradients, LinearAttentionBlockEveryDecay) {
  for (const char* decay : {"none", "fixed", "gla"})
    check_block(std::string(R"({"type": "linear", "d_model": 8, "n_head": 2, "decay": ")") + decay + R"("})");
}

TEST(Gradients, LstmBlock) { check_block(R"({"type": "lstm", "d_model": 8})"); }
TEST(Gradients, LstmBlockHiddenLayerNorm) {
  check_block(R"({"type": "lstm", "d_model": 6, "lstm_hidden": 5, "norm": "layernorm"})");
}

}  // namespace
}  // namespace fl
