// The slot-memory constructions (src/theory/slot_dp_construction.h, slot_dp_checks.h):
//   - Theorem 5 through the SSM: the ring of m slots on local_dp (inputs tagged i mod m), d_conv 4
//     < m, exact by generation and teacher forcing through the fused and the reference paths, at
//     T = 10,002 with margins and read-out errors far from the decision; live state flat in T;
//   - the ablation (SSM off) and a ring of m − 1 slots both fail;
//   - Theorem 4: on pointer_dp both layouts need n − 1 slots (the reach-back problems fail with
//     fewer), and the state grows with n.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "data/eval_set.h"
#include "kernels/kernel_mode.h"
#include "models/model_config.h"
#include "theory/slot_dp_checks.h"

namespace fl::theory {
namespace {

LocalDpTask phased(int64_t n, int64_t m, int64_t p) { return LocalDpTask(LocalDpTask::Format::Interleaved, 1, n, m, p, m); }

SizeAccuracy run(LanguageModel& model, const Task& task, int64_t n, int64_t examples, uint64_t seed) {
  const EvalSet set(task, {n}, examples, seed);
  return evaluate(model, task, set, /*generate=*/true, examples).rows.at(0);
}

TEST(SlotDpConstruction, RingIsExactOnTheLocalDpForSeveralLocalitiesAndModuli) {
  for (auto [m, p] : std::vector<std::pair<int64_t, int64_t>>{{1, 3}, {2, 10}, {5, 7}, {8, 10}, {13, 2}}) {
    for (int64_t n : {int64_t{1}, m, m + 1, 3 * m + 2}) {
      const auto task = phased(n, m, p);
      auto model = build_slot_dp_mamba({SlotLayout::ring, m, p, slot_tokens(task, m)});
      EXPECT_EQ(model->config().d_conv, 4);
      const SizeAccuracy a = run(model, task, n, 6, 21);
      EXPECT_DOUBLE_EQ(a.gen.whole, 1.0) << "m " << m << " p " << p << " n " << n;
      EXPECT_DOUBLE_EQ(a.tf.whole, 1.0) << "m " << m << " p " << p << " n " << n;
    }
  }
}

TEST(SlotDpConstruction, RingIsExactThroughTheReferencePaths) {
  kernels::ModeGuard reference(kernels::Mode::kReference);
  const RingRow row = check_ring(6, 10, 60, 4, 3);
  EXPECT_DOUBLE_EQ(row.accuracy.gen.whole, 1.0);
  EXPECT_DOUBLE_EQ(row.accuracy.tf.whole, 1.0);
  EXPECT_GT(row.precision.margin_step, 0.9);
  EXPECT_GT(row.precision.margin_parallel, 0.9);
}

TEST(SlotDpConstruction, RingIsExactAtTenThousandTokensWithItsMargins) {
  // T = 10,002 through the fused kernels (forward) and the StepEngine (generation and margins).
  const RingRow row = check_ring(6, 10, 5000, 2, 7);
  EXPECT_EQ(row.tokens, 10002);
  EXPECT_DOUBLE_EQ(row.accuracy.gen.whole, 1.0);
  EXPECT_DOUBLE_EQ(row.accuracy.tf.whole, 1.0);
  EXPECT_LT(row.precision.readout_error, 1e-4);  // the far block is a one-hot to float32 rounding
  EXPECT_GT(row.precision.margin_parallel, 0.9);  // the right logit, relative to the next: 1 − O(1e-6)
  EXPECT_GT(row.precision.margin_step, 0.9);
}

TEST(SlotDpConstruction, RingStateIsTheSameAtEveryLength) {
  const RingRow short_row = check_ring(6, 10, 10, 2, 1), long_row = check_ring(6, 10, 2000, 2, 1);
  EXPECT_EQ(short_row.state_bytes, long_row.state_bytes);
  const auto task = phased(10, 6, 10);
  const auto model = build_slot_dp_mamba({SlotLayout::ring, 6, 10, slot_tokens(task, 6)});
  EXPECT_EQ(short_row.state_bytes, model->state_bytes(22));
  EXPECT_EQ(model->config().d_inner() * (4 + 1) * 4 * 2, short_row.state_bytes);  // 2 layers, K = 4, N = 1
}

TEST(SlotDpConstruction, SwitchingTheSsmOffLeavesPositionsNearChance) {
  const RingRow row = check_ring(6, 10, 200, 8, 5);
  EXPECT_DOUBLE_EQ(row.accuracy.gen.whole, 1.0);
  EXPECT_DOUBLE_EQ(row.ablated.gen.whole, 0.0);
  EXPECT_LT(row.ablated.gen.token, 0.25);  // chance is 1/p = 0.1 (+ the first m steps, which read dp = 0)
  EXPECT_DOUBLE_EQ(row.ablated.tf.whole, 0.0);
}

TEST(SlotDpConstruction, ARingOfOneSlotLessFails) {
  const int64_t m = 6, p = 10, n = 40;
  const auto task = phased(n, m, p);
  auto model = build_slot_dp_mamba({SlotLayout::ring, m - 1, p, slot_tokens(task, m - 1)});
  EXPECT_DOUBLE_EQ(run(model, task, n, 8, 2).gen.whole, 0.0);
}

TEST(SlotDpConstruction, PointerDpNeedsOneSlotPerEarlierResult) {
  const int64_t p = 7;
  for (int64_t n : {3, 5, 9}) {
    const PointerRow row = check_pointer(p, n, 12, 6, 4);
    EXPECT_EQ(row.state.slots, n - 1) << n;
    EXPECT_EQ(row.ring.slots, n - 1) << n;
    EXPECT_EQ(row.problems, 6 + n - 1);
    EXPECT_LT(row.state.exact_below, 1.0) << n;  // a reach-back problem reads an overwritten slot
    EXPECT_LT(row.ring.exact_below, 1.0) << n;
  }
  for (int64_t n : {1, 2}) {  // one slot is the least there is
    const PointerRow row = check_pointer(p, n, 12, 6, 4);
    EXPECT_EQ(row.state.slots, 1);
    EXPECT_TRUE(std::isnan(row.state.exact_below));
  }
}

TEST(SlotDpConstruction, PointerDpStateGrowsWithN) {
  const PointerRow a = check_pointer(5, 4, 10, 4, 1), b = check_pointer(5, 8, 10, 4, 1);
  EXPECT_GT(b.ring.state_bytes, a.ring.state_bytes);
  EXPECT_GT(b.state.state_bytes, a.state.state_bytes);
  EXPECT_GT(b.ring.scan_flops, 2 * a.ring.scan_flops);  // more tokens, each over a larger state
}

TEST(SlotDpConstruction, StateLayoutCopiesThroughTheReferencePathsToo) {
  kernels::ModeGuard reference(kernels::Mode::kReference);
  const PointerDpTask task(10, 10);
  auto model = build_slot_dp_mamba({SlotLayout::state, 9, 10, slot_tokens(task, 9)});
  EXPECT_EQ(model->config().d_state, 9);
  const SizeAccuracy a = run(model, task, 10, 8, 6);
  EXPECT_DOUBLE_EQ(a.gen.whole, 1.0);
  EXPECT_DOUBLE_EQ(a.tf.whole, 1.0);
}

TEST(SlotDpConstruction, FarBlockHoldsTheReadValue) {
  const PointerDpTask task(6, 5);
  const SlotDpSpec spec{SlotLayout::state, 6, 5, slot_tokens(task, 6)};
  auto model = build_slot_dp_mamba(spec);
  Rng rng(3, kStreamEvalData);
  std::vector<Example> examples;
  for (int k = 0; k < 4; ++k) examples.push_back(task.sample_at(rng, 6));
  const auto precision = measure_precision(model, spec, examples, [&](int32_t token, int64_t) {
    return task.input_of(token).pointer;
  });
  EXPECT_LT(precision.readout_error, 1e-4);
  EXPECT_GT(precision.margin_parallel, 0.9);
  switch_off_memory(model);  // every read now returns dp = 0
  const auto off = measure_precision(model, spec, examples, [&](int32_t token, int64_t) { return task.input_of(token).pointer; });
  EXPECT_GT(off.readout_error, 0.99);
}

TEST(SlotDpConstruction, BadSpecsAreErrors) {
  const PointerDpTask task(3, 5);
  EXPECT_THROW(build_slot_dp_mamba({SlotLayout::ring, 0, 5, slot_tokens(task, 1)}), Error);
  EXPECT_THROW(build_slot_dp_mamba({SlotLayout::ring, 1, 5, {}}), Error);
  EXPECT_THROW(build_slot_dp_mamba({SlotLayout::ring, 1, 5, slot_tokens(task, 3)}), Error);  // slots ≥ S
  EXPECT_THROW(slot_tokens(LocalDpTask(LocalDpTask::Format::Interleaved, 1, 4, 2, 5), 2), Error);  // no phase
}

}  // namespace
}  // namespace fl::theory
