#include "train/step_backend.h"

#include "core/error.h"
#include "engine/adamw.h"
#include "engine/lm_engine.h"
#include "train/optimizer.h"

namespace fl {

namespace {

class LibtorchBackend : public StepBackend {
 public:
  LibtorchBackend(LanguageModel& model, const TrainConfig& t) : model_(model), optimizer_(make_optimizer(model, t)) {}

  double forward_backward(const Batch& batch) override {
    optimizer_.zero_grad();
    auto loss = masked_cross_entropy(model_->forward(batch.inputs), batch);  // () from (B, T, V) logits
    const double value = loss.item<double>();
    loss.backward();
    return value;
  }
  std::vector<torch::Tensor> gradients() override {
    std::vector<torch::Tensor> grads;
    for (auto& p : model_->parameters()) {
      if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);  // a parameter the batch did not reach
      grads.push_back(p.grad());
    }
    return grads;
  }
  double clip_grad_norm(double max_norm) override {
    return torch::nn::utils::clip_grad_norm_(model_->parameters(), max_norm);
  }
  void optimizer_step(double lr) override {
    for (auto& group : optimizer_.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    optimizer_.step();
  }
  AdamWStates optimizer_state() const override { return adamw_states(model_, optimizer_); }
  void set_optimizer_state(const AdamWStates& states, const std::string&) override {
    set_adamw_states(model_, states, optimizer_);
  }

 private:
  LanguageModel model_;
  torch::optim::AdamW optimizer_;
};

class FlatBackend : public StepBackend {
 public:
  FlatBackend(LanguageModel& model, const TrainConfig& t)
      : model_(model), engine_(model), optimizer_(engine_.parameters(), {t.beta1, t.beta2, t.eps, t.weight_decay}) {}

  double forward_backward(const Batch& batch) override {
    return engine_.forward_backward(batch.inputs.data_ptr<int64_t>(), batch.targets.data_ptr<int64_t>(),
                                    batch.mask.data_ptr<bool>(), batch.inputs.size(0), batch.inputs.size(1));
  }
  std::vector<torch::Tensor> gradients() override { return {engine_.parameters().grad_block()}; }
  double clip_grad_norm(double max_norm) override { return engine::clip_grad_norm(engine_.parameters(), max_norm); }
  void optimizer_step(double lr) override { optimizer_.step(lr); }

  AdamWStates optimizer_state() const override {
    AdamWStates out;
    if (optimizer_.steps() == 0) return out;
    for (const auto& slot : engine_.parameters().slots()) {
      const auto copy = [&](const float* base) {  // the slot, shaped as the parameter (from_blob wants non-const)
        return torch::from_blob(const_cast<float*>(base) + slot.offset, slot.shape, torch::kFloat32).clone();
      };
      out[slot.name] = {optimizer_.steps(), copy(optimizer_.exp_avg()), copy(optimizer_.exp_avg_sq())};
    }
    return out;
  }

  void set_optimizer_state(const AdamWStates& states, const std::string& source) override {
    if (states.empty()) return optimizer_.set_steps(0);
    const int64_t t = states.begin()->second.step;
    for (const auto& slot : engine_.parameters().slots()) {
      const auto it = states.find(slot.name);
      require(it != states.end() && it->second.step == t,
              source + ": AdamW state of '" + slot.name +
                  "' is missing or at another step than the rest (the flat engine steps every parameter together; "
                  "resume with --engine libtorch)");
      const auto copy = [&](const torch::Tensor& from, float* base) {
        torch::from_blob(base + slot.offset, slot.shape, torch::kFloat32).copy_(from);
      };
      copy(it->second.exp_avg, optimizer_.exp_avg());
      copy(it->second.exp_avg_sq, optimizer_.exp_avg_sq());
    }
    optimizer_.set_steps(t);
  }

 private:
  LanguageModel model_;  // keeps the adopted parameters' owner alive
  engine::LanguageModelEngine<float> engine_;
  engine::FlatAdamW<float> optimizer_;
};

}  // namespace

std::unique_ptr<StepBackend> make_step_backend(LanguageModel& model, const TrainConfig& t, engine::Mode mode) {
  if (mode == engine::Mode::kFlat) return std::make_unique<FlatBackend>(model, t);
  return std::make_unique<LibtorchBackend>(model, t);
}

}  // namespace fl
