// One token at a time through a language model, batch B: the interface generation and the speed
// and cost measurements share. make_stepper picks the backend by kernel mode: the torch-free
// StepEngine (infer/step_engine.h, on a snapshot of the weights) when fl::kernels::fused(), the
// model's libtorch step path otherwise. Both compute the same logits.
#pragma once
#include <memory>
#include <vector>

#include "models/lm.h"

namespace fl {

class Stepper {
 public:
  virtual ~Stepper() = default;
  // Feeds one token per row (B) at the next position.
  virtual void feed(const std::vector<int64_t>& tokens) = 0;
  // Each row's argmax of the last logits: the first maximal index, NaN counting as the largest
  // (as torch's argmax); token `excluded` (≥ 0) is never chosen: the next best one is.
  virtual std::vector<int64_t> argmax(int64_t excluded = -1) const = 0;
};

std::unique_ptr<Stepper> make_stepper(LanguageModel& model, int64_t batch);

}  // namespace fl
