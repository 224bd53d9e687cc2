// Measured cost of generation through the torch-free step path (infer/step_engine.h): bytes of
// the live caches and wall time per token at chosen positions, up to 65,536 and beyond.
//
// Reaching position t. Stepping a Transformer to t = 65,536 costs Σ_{s<t} O(s) work (minutes);
// instead `fast_forward` fills the cache directly: the keys and values of a few genuinely stepped
// tokens are tiled into the slots of tokens p … t−1, in the engine's layout (keys (B, H, hd, S),
// values (B, H, S, hd), slot s mod W with a window), with the capacity S the engine's doubling
// would have reached (the smallest 16·2^j ≥ t), and the position set to t. Mamba's state has no
// slots: only the position moves (its step does not read the position).
// Why the timing is still the real step path: the steps timed after it are StepEngine::step
// itself, and its work at position t depends only on the number of live slots n = min(t + 1, W)
// and the capacity S (loop trip counts and strides), never on the cached values (no
// data-dependent branches: max by compare, exp by a branch-free polynomial). Only the numbers in
// the cache differ from a real generation of t tokens. `measure_genuine` checks it: it steps a
// model for real to a length G and times every step, for comparison with the fast-forwarded
// figures at G (docs/COST.md).
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "infer/step_engine.h"

namespace fl::cost {

// Bytes held by one layer's caches in a StepState (all batch rows, float32).
struct LayerBytes {
  int64_t live = 0;       // slots that hold a token: Mamba's whole state; min(position, S) KV slots
  int64_t allocated = 0;  // the buffers' sizes (a KV cache's capacity S ≥ its live slots)
};
// Measured from the buffers' sizes and the state's position (S = keys.size() / (B·D)).
std::vector<LayerBytes> measure_layer_bytes(const StepEngine& engine, const StepState& state);

// Moves `state` from its position p to `position` ≥ p as described above; needs p ≥ 1 for a
// Transformer (the tokens to tile from).
void fast_forward(const StepEngine& engine, StepState& state, int64_t position);

struct TimingOptions {
  int64_t tokens = 32;   // steps timed at each position
  int64_t warmup = 2;    // untimed steps before them (they also absorb a capacity doubling)
  int64_t prefix = 64;   // genuinely stepped tokens before fast-forwarding (fewer if t is smaller)
  uint64_t seed = 1;     // of the random token ids
};

// `warmup` untimed then `tokens` timed steps of random tokens from the state's position: the
// median and minimum milliseconds per step.
struct StepTimes {
  double median_ms = 0, min_ms = 0;
};

struct PositionMeasurement {
  int64_t position = 0;
  std::vector<LayerBytes> layers;  // measured at `position`, before the timed steps
  StepTimes times;                 // steps at positions t + warmup … t + warmup + tokens − 1
};

// Called with the number of steps run since the last call (for a progress bar).
using StepCallback = std::function<void(int64_t position, int64_t steps)>;

// Per position (ascending, ≥ 1): fast-forward one state there, measure its bytes, time steps.
std::vector<PositionMeasurement> measure_positions(const StepEngine& engine, const std::vector<int64_t>& positions,
                                                   const TimingOptions& options, const StepCallback& on_steps = {});

// A real generation of `length` steps from an empty state, every step timed, then the steps at
// `length` timed as in measure_positions.
struct GenuineRun {
  int64_t length = 0;
  double total_ms = 0;         // Σ of the first `length` steps
  // Σ over blocks of 32 consecutive steps of block median × block size: the total without the
  // stalls a busy machine adds (a descheduled thread costs one step milliseconds), median-based
  // like the per-position figures it is compared with.
  double robust_total_ms = 0;
  StepTimes at_length;         // the timed steps after them
  std::vector<LayerBytes> layers;  // at `length`
};
GenuineRun measure_genuine(const StepEngine& engine, int64_t length, const TimingOptions& options,
                           const StepCallback& on_steps = {});

// Per-token milliseconds at position t, by linear interpolation between the measured positions
// (constant before the first and after the last).
double interpolate_ms(const std::vector<PositionMeasurement>& measured, double t);
// Estimated milliseconds to generate T tokens from an empty state: Σ_{t<T} interpolate_ms(t).
double estimate_total_ms(const std::vector<PositionMeasurement>& measured, int64_t T);

}  // namespace fl::cost
