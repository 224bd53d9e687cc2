// Setting a hand-built model's weights by checkpoint name (the constructions of src/theory/).
#pragma once
#include <string>

#include <torch/torch.h>

#include "models/lm.h"

namespace fl::theory {

// Copies `value` (any dtype, the parameter's shape) into the parameter `name` of `model`, e.g.
// "backbone.layers.0.mixer.x_proj.weight"; a wrong name is a programming error (TORCH_CHECK).
inline void set_weight(LanguageModel& model, const std::string& name, const torch::Tensor& value) {
  torch::NoGradGuard no_grad;
  auto params = model->named_parameters();
  torch::Tensor* param = params.find(name);
  TORCH_CHECK(param != nullptr, "set_weight: no parameter ", name);
  param->copy_(value.to(param->scalar_type()));
}

}  // namespace fl::theory
