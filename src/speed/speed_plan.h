// What `freelunch speed` measures: the cases of the side-by-side benchmark against the PyTorch
// mirror in reference/. Models are the shipped configs (plus overrides), so the figures speak
// for the experiments freelunch actually runs.
#pragma once
#include <string>
#include <vector>

namespace fl::speed {

struct ModelCase {
  std::string label;                   // e.g. "mamba d128×4"
  std::string config;                  // path relative to the source tree, e.g. configs/copy-mamba.toml
  std::vector<std::string> overrides;  // "key=value"
  bool is_mamba() const;
};

struct TrainCase {
  ModelCase model;
  int64_t batch, length;
};

struct SpeedPlan {
  std::vector<TrainCase> train;        // training-step time and peak memory, both sides
  std::vector<ModelCase> decode;       // per-token step latency, batch 1
  std::vector<int64_t> positions;      // decode positions measured, ascending
  int64_t decode_tokens;               // steps timed at each position
  int64_t steps, warmup, rounds;       // training steps timed per child, untimed before, rounds alternated
  std::vector<int64_t> memory_lengths; // sequence lengths of the scan-memory probe
  int64_t roofline_repeats;
};

// The full comparison (~15 minutes on 2 cores) or a tiny one that checks the machinery (~1 minute).
SpeedPlan full_plan();
SpeedPlan quick_plan();

}  // namespace fl::speed
