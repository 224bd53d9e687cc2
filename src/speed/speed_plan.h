// What `freelunch speed` measures: the cases of the side-by-side benchmark against the PyTorch
// mirror in reference/. Models are the shipped configs (plus overrides), so the figures speak
// for the experiments freelunch actually runs.
#pragma once
#include <string>
#include <vector>

#include "models/model_family.h"

namespace fl::speed {

struct ModelCase {
  std::string label;                   // e.g. "mamba d128×4"
  ModelFamily family;                  // the config's model.type (checked when the config is loaded)
  std::string config;                  // path relative to the source tree, e.g. configs/copy-mamba.toml
  std::vector<std::string> overrides;  // "key=value"
  bool is_mamba() const { return family == ModelFamily::mamba; }
};

struct TrainCase {
  ModelCase model;
  int64_t batch, length;
  int64_t threads = 0;              // 0: the run's --threads
  int64_t steps = 0, warmup = 0;    // 0: the plan's
  double target_libtorch = 0;       // the flat engine's speed-up to reach over the libtorch path (0: none)
  double target_pytorch = 0;        // and over the PyTorch mirror
};

struct SpeedPlan {
  std::vector<TrainCase> train;        // training-step time and peak memory: flat engine, libtorch path, PyTorch
  std::vector<ModelCase> decode;       // per-token step latency, batch 1
  std::vector<int64_t> positions;      // decode positions measured, ascending
  int64_t decode_tokens;               // steps timed at each position
  int64_t steps, warmup, rounds;       // training steps timed per child, untimed before, rounds alternated
  std::vector<int64_t> memory_lengths; // sequence lengths of the scan-memory probe
  int64_t roofline_repeats;
};

// The full comparison (~8 minutes on 2 cores) or a tiny one that checks the machinery (~1 minute).
SpeedPlan full_plan();
SpeedPlan quick_plan();

}  // namespace fl::speed
