#include "speed/speed_plan.h"

namespace fl::speed {

namespace {

const char* kMamba = "configs/copy-mamba.toml";
const char* kTransformer = "configs/copy-transformer.toml";

// The shipped COPY models (d_model 128; Mamba 4 layers, Transformer 2, parameter counts within
// 20%) and the same pair twice as wide.
ModelCase mamba_copy() { return {"mamba d128×4", ModelFamily::mamba, kMamba, {}}; }
ModelCase transformer_copy() { return {"transformer d128×2", ModelFamily::transformer, kTransformer, {}}; }
ModelCase mamba_wide() { return {"mamba d256×4", ModelFamily::mamba, kMamba, {"model.d_model=256"}}; }
ModelCase transformer_wide() {
  return {"transformer d256×2", ModelFamily::transformer, kTransformer, {"model.d_model=256", "model.n_head=8"}};
}

// The quick reproduce suite's model sizes (configs/reproduce/quick/copy-state.toml: COPY over 8
// letters, d32×2 Mamba with N = 8 and d64×2 Transformer) at its batch, one thread; the issue's
// "config A" (d128, 2 layers, N = 16, batch 32 × 128) on two.
std::vector<TrainCase> engine_cases() {
  const std::vector<std::string> quick_mamba = {"model.d_model=32", "model.n_layer=2", "model.d_state=8",
                                                "task.vocab=8"};
  const std::vector<std::string> quick_transformer = {"model.d_model=64", "model.n_layer=2", "task.vocab=8"};
  TrainCase m{{"mamba d32×2 N8", ModelFamily::mamba, kMamba, quick_mamba}, 16, 64, 1, 40, 5, 5.0, 0.0};
  TrainCase t{{"transformer d64×2", ModelFamily::transformer, kTransformer, quick_transformer},
              16, 64, 1, 20, 3, 3.0, 0.0};
  TrainCase ma{{"mamba d128×2 (config A)", ModelFamily::mamba, kMamba, {"model.n_layer=2"}}, 32, 128, 2, 0, 0, 1.5, 0.0};
  TrainCase ta{{"transformer d128×2 (config A)", ModelFamily::transformer, kTransformer, {}},
               32, 128, 2, 0, 0, 1.5, 2.0};
  return {m, t, ma, ta};
}

}  // namespace

SpeedPlan full_plan() {
  SpeedPlan p;
  p.train = engine_cases();
  for (TrainCase c : {TrainCase{mamba_copy(), 16, 128}, TrainCase{transformer_copy(), 16, 128},
                      TrainCase{mamba_wide(), 8, 256}, TrainCase{transformer_wide(), 8, 256}}) {
    c.target_pytorch = c.model.is_mamba() ? 5.0 : 1.5;
    p.train.push_back(c);
  }
  p.decode = {mamba_copy(), transformer_copy()};
  p.positions = {64, 1024, 8192};
  p.decode_tokens = 64;
  p.steps = 6, p.warmup = 2, p.rounds = 3;
  p.memory_lengths = {256, 4096};
  p.roofline_repeats = 20;
  return p;
}

SpeedPlan quick_plan() {
  const std::vector<std::string> tiny = {"model.d_model=32", "model.n_layer=1"};
  SpeedPlan p;
  p.train = {{{"mamba d32×1", ModelFamily::mamba, kMamba, tiny}, 2, 16, 1},
             {{"transformer d32×1", ModelFamily::transformer, kTransformer, tiny}, 2, 16}};
  p.decode = {p.train[0].model, p.train[1].model};
  p.positions = {4, 32};
  p.decode_tokens = 4;
  p.steps = 2, p.warmup = 1, p.rounds = 1;
  p.memory_lengths = {64, 256};
  p.roofline_repeats = 2;
  return p;
}

}  // namespace fl::speed
