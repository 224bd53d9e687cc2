#include "infer/stepper.h"

#include <cmath>
#include <limits>

#include "infer/step_engine.h"
#include "kernels/kernel_mode.h"

namespace fl {
namespace {

// The reference: the model's libtorch step path.
class ModelStepper : public Stepper {
 public:
  ModelStepper(LanguageModel& model, int64_t batch) : model_(model), cache_(model->make_cache(batch)) {}
  void feed(const std::vector<int64_t>& tokens) override {
    torch::NoGradGuard no_grad;
    logits_ = model_->step(torch::tensor(tokens), cache_);
  }
  std::vector<int64_t> argmax(int64_t excluded) const override {
    auto logits = logits_;  // (B, V)
    if (excluded >= 0) {
      logits = logits_.clone();
      logits.select(-1, excluded).fill_(-std::numeric_limits<float>::infinity());
    }
    auto next = logits.argmax(-1).contiguous();  // (B)
    return {next.data_ptr<int64_t>(), next.data_ptr<int64_t>() + next.numel()};
  }

 private:
  LanguageModel& model_;
  ModelCache cache_;
  torch::Tensor logits_;  // (B, V)
};

// The fused path: the torch-free step engine on a snapshot of the weights.
class EngineStepper : public Stepper {
 public:
  EngineStepper(const LanguageModel& model, int64_t batch)
      : engine_(model), state_(engine_.make_state(batch)), logits_(batch * engine_.vocab_size()) {}
  void feed(const std::vector<int64_t>& tokens) override { engine_.step(tokens.data(), state_, logits_.data()); }
  std::vector<int64_t> argmax(int64_t excluded) const override {
    const int64_t V = engine_.vocab_size();
    std::vector<int64_t> next(state_.batch, excluded == 0 ? 1 : 0);
    for (int64_t b = 0; b < state_.batch; ++b) {
      const float* row = logits_.data() + b * V;  // (V)
      int64_t& best = next[b];
      for (int64_t v = best + 1; v < V && !std::isnan(row[best]); ++v)
        if (v != excluded && (row[v] > row[best] || std::isnan(row[v]))) best = v;
    }
    return next;
  }

 private:
  StepEngine engine_;
  StepState state_;
  std::vector<float> logits_;  // (B, V)
};

}  // namespace

std::unique_ptr<Stepper> make_stepper(LanguageModel& model, int64_t batch) {
  if (kernels::fused()) return std::make_unique<EngineStepper>(model, batch);
  return std::make_unique<ModelStepper>(model, batch);
}

}  // namespace fl
