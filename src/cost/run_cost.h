// `freelunch cost` as a library call (also for `freelunch reproduce`): builds each model (random
// init is enough: cost does not depend on the weights), measures it through the torch-free step
// path at every position (cost/measured_cost.h), adds the analytic figures
// (cost/analytic_cost.h) and, optionally, writes the report files (cost/cost_report.h).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cost/cost_report.h"
#include "models/model_config.h"

namespace fl::cost {

struct CostModelSpec {
  std::string label;
  ModelConfig config;
  std::filesystem::path checkpoint;  // empty: random init from `config`, seeded
};

struct CostOptions {
  std::vector<CostModelSpec> models;  // empty: default_models(quick)
  std::vector<int64_t> positions;     // ascending, ≥ 1; empty: default_positions(quick)
  int64_t tokens = 0;                 // steps timed per position; 0: 32 (quick: 8)
  int64_t warmup = -1;                // untimed steps before them; −1: 2 (quick: 1)
  int64_t validate = -1;              // length of the genuine run; 0: none; −1: the largest
                                      // position ≤ 16,384 (quick: ≤ 256)
  std::filesystem::path out_dir;      // empty: no files
  bool quick = false, progress = true;
  uint64_t seed = 1;                  // weights and token ids
};

// Mamba, Transformer and sliding-window Transformer at matched sizes: the shipped copy configs'
// d128×4 N16 Mamba (≈ 0.45 M parameters) and d128×2 Transformers (≈ 0.40 M), window 1,024.
// Quick: d32 models with 2 layers, window 64.
std::vector<CostModelSpec> default_models(bool quick);
// 64, 91, 128, 181, …, 65,536: two per octave (quick: 16, 64, 256, 1,024).
std::vector<int64_t> default_positions(bool quick);
// A config file (.toml/.json, with "key=value" overrides) or a checkpoint directory (no overrides).
CostModelSpec model_spec_from_path(const std::string& path, const std::vector<std::string>& overrides);

// Bad options (positions not ascending, validate beyond the last position, …) throw fl::Error
// naming the flag.
CostReport run_cost(const CostOptions& options);

}  // namespace fl::cost
