// Slot-memory DP by construction (docs/THEORY.md "Local DP through the SSM state" and "Theorem 4
// by construction"): a real two-layer fl::LanguageModel (model.type mamba, d_conv 4) whose weights
// are set by hand so that greedy decoding writes the interleaved chain of
//   dp_i = (dp_{i-1} + dp_{r_i} + s_i) mod p,     dp_0 = 0,
// where the far result dp_{r_i} is held in the first layer's SSM state, in one of S slots:
//   local_dp (r_i = i − m, inputs tagged with i mod m, task.phase = m): a ring of S = m slots;
//   pointer_dp (r_i named by the input, which also carries i): S ≥ n slots.
// Layer 1 (memory). A result token dp_j is written into slot j mod S — the slot its input q_j (one
// token back, seen through the conv) names. The stored value is p ramps ρ(dp_j − c), c = 0 … p−1
// (SiLU(β(f − c)) of the token's number f). At an input q_i the slot of dp_{r_i} is read and
// out_proj turns the ramps into hats: the p dims of the "far block" of the residual stream get the
// one-hot of dp_{r_i} (of 0 for an empty slot or r_i = 0), and e_0 at every other token.
//   ring layout (Theorem 5): slots are channel groups, d_state 1. Group g has its own dt through
//     a rank-S dt_proj: dt = softplus(30) = 30 at the result whose slot is g (a = e^{−30} ≈ 9e-14:
//     the old value is erased as the new one is written, B = 1/30) and softplus(−30) ≈ 9e-14
//     elsewhere (a = 1 − 9e-14, exactly 1 in float32: the slot is kept). The read selects the
//     group by the gate, SiLU(z) with z = ±40 from the input's read-slot dims.
//   state layout (Theorem 3's slot memory, for Theorem 4): slots are the d_state = S entries of
//     p value channels; A = −0 so a = 1 exactly (nothing decays, nothing is erased); B = e_slot at
//     a result (dt = 30 there, ≈ 9e-14 elsewhere), C = e_{read slot} at an input. Keys need S
//     linearly independent x channels, so Di ≥ p + 2S and the state Di·(S + K) grows like S².
// Layer 2 (decoder, SSM off as in theory/local_dp_construction.h): conv taps at lags 0 and 1 on
// f + (far block's value) give S = s_i + dp_{r_i} + dp_{i−1} at the input q_i; ramps and hats
// (theory/ramp_units.h) put the one-hot of S mod p on the output dims; an EOS unit writes 2 on "."
// at every result (the environment overrides it with the next input, except after dp_n).
// Position enters only through the inputs' tags (docs/THEORY.md "How position enters").
// Embedding: every row has the same norm (a filler dim), the far block adds norm 1 at every
// position, so both pre-norms are fixed scales; the tied head reads only the output dims.
#pragma once
#include <cstdint>
#include <vector>

#include "models/lm.h"
#include "tasks/local_dp.h"
#include "theory/pointer_dp_task.h"

namespace fl::theory {

enum class SlotLayout { ring, state };
const char* slot_layout_name(SlotLayout layout);  // "ring" | "d_state"

// What the construction needs to know about a token.
struct SlotDpToken {
  enum class Kind { other, input, result, end };
  Kind kind = Kind::other;
  int64_t value = 0;        // s_i of an input, v of a result
  int64_t write_slot = -1;  // input q_i: the slot dp_i goes to
  int64_t read_slot = -1;   // input q_i: the slot holding dp_{r_i}; −1 = nothing to read (dp_0 = 0)
};

struct SlotDpSpec {
  SlotLayout layout = SlotLayout::ring;
  int64_t slots = 1;                // S
  int64_t modulus = 10;             // p
  std::vector<SlotDpToken> tokens;  // one per vocabulary id
};

// The token tables: local_dp interleaved with task.phase ≥ 1 (slot of step i = (i mod P) mod S,
// read slot = write slot, since i − m ≡ i mod m); pointer_dp (write slot i mod S, read slot r_i mod S).
std::vector<SlotDpToken> slot_tokens(const LocalDpTask& task, int64_t slots);
std::vector<SlotDpToken> slot_tokens(const PointerDpTask& task, int64_t slots);

// The hand-set model (2 layers, d_conv 4, float32). fl::Error on S < 1, p < 2, an empty table or
// a slot outside [0, S).
LanguageModel build_slot_dp_mamba(const SlotDpSpec& spec);

// First of the p residual dims where layer 1 writes its read-out (the far block).
int64_t far_block_first(const SlotDpSpec& spec);

// The ablation: layer 1's x_proj zeroed, so B = C = 0 and dt ≈ 0: the SSM state stays empty and
// every read returns dp = 0; the rest of the model is untouched.
void switch_off_memory(LanguageModel& model);

}  // namespace fl::theory
