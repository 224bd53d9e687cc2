// AdamW with two parameter groups: weight decay on matrices (LanguageModelImpl::decays), none on
// A_log, D, norms and biases; betas, eps and lr from the training config.
#pragma once
#include <torch/torch.h>

#include "models/lm.h"
#include "train/run_config.h"

namespace fl {

torch::optim::AdamW make_optimizer(LanguageModel& model, const TrainConfig& t);

}  // namespace fl
