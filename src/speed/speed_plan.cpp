#include "speed/speed_plan.h"

namespace fl::speed {

bool ModelCase::is_mamba() const { return config.find("mamba") != std::string::npos; }

namespace {

const char* kMamba = "configs/copy-mamba.toml";
const char* kTransformer = "configs/copy-transformer.toml";

// The shipped COPY models (d_model 128; Mamba 4 layers, Transformer 2, parameter counts within
// 20%) and the same pair twice as wide.
ModelCase mamba_copy() { return {"mamba d128×4", kMamba, {}}; }
ModelCase transformer_copy() { return {"transformer d128×2", kTransformer, {}}; }
ModelCase mamba_wide() { return {"mamba d256×4", kMamba, {"model.d_model=256"}}; }
ModelCase transformer_wide() {
  return {"transformer d256×2", kTransformer, {"model.d_model=256", "model.n_head=8"}};
}

}  // namespace

SpeedPlan full_plan() {
  SpeedPlan p;
  p.train = {{mamba_copy(), 16, 128},
             {transformer_copy(), 16, 128},
             {mamba_wide(), 8, 256},
             {transformer_wide(), 8, 256}};
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
  p.train = {{{"mamba d32×1", kMamba, tiny}, 2, 16}, {{"transformer d32×1", kTransformer, tiny}, 2, 16}};
  p.decode = {p.train[0].model, p.train[1].model};
  p.positions = {4, 32};
  p.decode_tokens = 4;
  p.steps = 2, p.warmup = 1, p.rounds = 1;
  p.memory_lengths = {64, 256};
  p.roofline_repeats = 2;
  return p;
}

}  // namespace fl::speed
