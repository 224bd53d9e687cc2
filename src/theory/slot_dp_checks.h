// The checks of the slot-memory constructions (theory/slot_dp_construction.h) that
// `freelunch theory local-dp` runs beside the conv-window baseline (theory/local_dp_theory.h):
//  - Theorem 5 through the SSM: local_dp interleaved with inputs tagged i mod m (task.phase = m),
//    the ring of S = m slots in layer 1's SSM state, d_conv 4: generated (step path, judged by the
//    verifier) and teacher-forced (parallel path) exactness per length T, the step engine's live
//    state after T tokens, the largest read-out error of the far block and the smallest relative
//    logit margins of both paths;
//  - the ablation: the same model with its SSM switched off (switch_off_memory);
//  - Theorem 4: pointer_dp, the smallest exact number of slots per n, in d_state (Theorem 3's slot
//    memory) and as a ring of channel groups, with state bytes and the scan FLOPs of the whole CoT.
// Everything runs in the current kernel mode: fused kernels and the torch-free StepEngine, or the
// plain-libtorch paths (--kernels reference). Same arguments → same numbers.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "data/eval_set.h"
#include "eval/evaluator.h"
#include "theory/slot_dp_construction.h"

namespace fl::theory {

// Bytes of live state (StepEngine::state_bytes) after the step engine has read `tokens`.
int64_t live_state_bytes(const LanguageModel& model, const std::vector<int32_t>& tokens);

// How exactly a construction computes on a set of examples (all of one length).
struct SlotDpPrecision {
  double readout_error = 0;    // max over input positions of |far block − one-hot of dp_{r_i}| (parallel path)
  double margin_parallel = 0;  // min over the dp_i targets of (right logit − best other) / right logit, forward
  double margin_step = 0;      // the same from the step path's logits (the true tokens fed one by one)
};

// pointer(token, i): the step r_i whose result the input `token` at step i reads (≤ 0: none).
using PointerOf = std::function<int64_t(int32_t token, int64_t step)>;
SlotDpPrecision measure_precision(LanguageModel& model, const SlotDpSpec& spec, const std::vector<Example>& examples,
                                  const PointerOf& pointer);

struct RingRow {
  int64_t tokens = 0, n = 0;
  SizeAccuracy accuracy;  // the ring construction: gen (step path, verified) and tf (parallel)
  SizeAccuracy ablated;   // the same model, SSM switched off
  int64_t state_bytes = 0;  // the step engine's live state after `tokens` tokens
  double scan_flops = 0;    // Σ over the T tokens of the scan's FLOPs (cost::OpKind::mixer)
  SlotDpPrecision precision;
};

// The ring construction (S = m) on local_dp interleaved, tagged with i mod m, at size n:
// `examples` distinct problems of the evaluation stream of `seed` (the problems of the baseline).
RingRow check_ring(int64_t locality, int64_t modulus, int64_t n, int64_t examples, uint64_t seed);

struct SmallestSlots {
  int64_t slots = 0;          // smallest S exact on every problem; 0: none up to the limit
  int64_t state_bytes = 0;    // LanguageModel::state_bytes at that S
  double exact_below = 0;     // fraction exact with S − 1 slots (NaN when S = 1)
  double scan_flops = 0;      // Σ over the 2n + 2 tokens of the scan's FLOPs (cost::OpKind::mixer)
};
struct PointerRow {
  int64_t n = 0, tokens = 0, problems = 0;
  SmallestSlots state, ring;  // slots in d_state (Theorem 3's) and as a ring of channel groups
  double bound_bits = 0;      // (n − 1)·log2(p): the results a state must keep before the last step
};

// pointer_dp at size n: `examples` random problems plus, for every j = 1 … n − 1, one whose last
// step reads dp_j; the smallest S in 1 … n + 1 exact on all of them, for both layouts.
PointerRow check_pointer(int64_t modulus, int64_t n, int64_t max_n, int64_t examples, uint64_t seed);

}  // namespace fl::theory
