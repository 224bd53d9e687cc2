// `freelunch speed`: freelunch against the PyTorch mirror (reference/) on identical configs and
// weights, in one run. Every timing runs in a fresh child process of either side, alternating
// sides (and their order) round by round, so drift in the machine's state hits both alike.
#pragma once
#include <filesystem>
#include <string>

#include "core/config.h"
#include "speed/pytorch_mirror.h"
#include "speed/speed_plan.h"

namespace fl::speed {

struct SpeedOptions {
  SpeedPlan plan;
  std::filesystem::path source_dir;  // configs/ and reference/ are read from here
  PyTorchMirror mirror;
  std::filesystem::path work_dir;    // checkpoints and scratch (must be empty or absent); empty: a
                                     // fresh directory in /tmp, removed afterwards unless keep_work_dir
  bool keep_work_dir = false;
  bool progress = true;
};

// Runs the whole comparison; the JSON holds every raw figure.
Json run_side_by_side(const SpeedOptions& options);

// The report: logits agreement, training step, peak memory, decode latency (with ratios and the
// issue's targets), scan memory per token, kernel roofline.
std::string speed_markdown(const Json& result);

}  // namespace fl::speed
