// The freelunch side of `freelunch speed`: each measurement runs in its own child process
// (`freelunch speed-worker …`), as the PyTorch side does (reference/bench.py), so peak memory
// is the run's own and both sides start equally cold. Results are one JSON object, with the
// same fields as bench.py's.
#pragma once
#include <filesystem>
#include <vector>

#include "core/config.h"

namespace fl::speed {

// Training steps on random tokens (cross-entropy over all positions, clip 1.0, AdamW as the
// trainer builds it), on the engine `--engine` selects (train/step_backend.h):
// {"kind":"train","step_ms":[…],"median_ms","min_ms","threads","engine"}.
Json train_timing(const std::filesystem::path& checkpoint, int64_t batch, int64_t length, int64_t steps,
                  int64_t warmup, uint64_t seed);

// Batch-1 generation through the step path: one sequence of random tokens; at each position p
// (ascending) `tokens` consecutive steps are timed. {"kind":"decode","ms_per_token":{"p":ms},"threads"}.
Json decode_timing(const std::filesystem::path& checkpoint, const std::vector<int64_t>& positions, int64_t tokens,
                   uint64_t seed);

}  // namespace fl::speed
