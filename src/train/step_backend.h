// The machinery of one optimizer step, behind one interface, for the engine `--engine` selects
// (engine/engine_mode.h):
//   libtorch  the model's modules with autograd, masked_cross_entropy, clip_grad_norm_ and
//             torch::optim::AdamW with the trainer's two groups (make_optimizer)
//   flat      engine::LanguageModelEngine over the model's parameters (adopted into one flat
//             block, so the model keeps seeing the current weights) and engine::FlatAdamW
// The trainer, `freelunch speed` and the tests drive either the same way:
//   loss = forward_backward(batch);  norm = clip_grad_norm(max);  optimizer_step(lr)
// and checkpoint the optimizer through AdamWStates, the same tensors under the same names.
#pragma once
#include <memory>
#include <vector>

#include "data/batch.h"
#include "engine/engine_mode.h"
#include "models/lm.h"
#include "train/run_config.h"
#include "train/train_state.h"

namespace fl {

class StepBackend {
 public:
  virtual ~StepBackend() = default;
  // Gradients of the batch's masked mean cross-entropy (replacing the previous ones); the loss.
  virtual double forward_backward(const Batch& batch) = 0;
  // The tensors holding the last forward_backward's gradients, to be changed in place (data-parallel
  // averaging, train/data_parallel.h): the flat engine's one gradient block (padding zero), or
  // libtorch's gradient of each parameter.
  virtual std::vector<torch::Tensor> gradients() = 0;
  // Scales the gradients to a global 2-norm ≤ max_norm; the norm before.
  virtual double clip_grad_norm(double max_norm) = 0;
  virtual void optimizer_step(double lr) = 0;  // AdamW
  virtual AdamWStates optimizer_state() const = 0;
  // fl::Error naming `source` if the state does not fit this engine.
  virtual void set_optimizer_state(const AdamWStates& states, const std::string& source) = 0;
};

// For the float32 `model` (in training mode) and the optimizer settings of `t`.
std::unique_ptr<StepBackend> make_step_backend(LanguageModel& model, const TrainConfig& t, engine::Mode mode);

}  // namespace fl
