// AdamW over the flat parameter block, and gradient clipping by the global norm: the libtorch
// path's torch::optim::AdamW with the trainer's two groups (weight decay on the slots
// FlatParameters marks, none elsewhere) and torch::nn::utils::clip_grad_norm_, in the same
// arithmetic, element by element:
//   p ← p · (1 − lr·wd)                              (decay group only)
//   m ← β1 m + (1 − β1) g;   v ← β2 v + (1 − β2) g²
//   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
//   clipping: total = ‖(‖g_p‖)_p‖, coef = min(1, max_norm / (total + 1e-6)), g ← coef · g
// Every parameter takes every step (all of them always have a gradient), so one step count t
// serves all; checkpoints still store it per parameter (train/train_state.h).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/flat_parameters.h"

namespace fl::engine {

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};

template <typename T>
class FlatAdamW {
 public:
  FlatAdamW(FlatParameters<T>& params, const AdamWOptions& options);
  void step(double lr);  // one update from params.grads()

  int64_t steps() const { return steps_; }  // t: updates so far
  // Moments in the parameter block's layout (size params.size()).
  T* exp_avg() { return exp_avg_.data(); }
  T* exp_avg_sq() { return exp_avg_sq_.data(); }
  const T* exp_avg() const { return exp_avg_.data(); }
  const T* exp_avg_sq() const { return exp_avg_sq_.data(); }
  void set_steps(int64_t t) { steps_ = t; }

 private:
  FlatParameters<T>& params_;
  AdamWOptions options_;
  std::vector<T> exp_avg_, exp_avg_sq_;
  int64_t steps_ = 0;
};

// Scales the gradients so that their global 2-norm is at most max_norm; returns the norm before.
template <typename T>
double clip_grad_norm(FlatParameters<T>& params, double max_norm);

}  // namespace fl::engine
