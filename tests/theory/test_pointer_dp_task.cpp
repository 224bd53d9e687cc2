// pointer_dp (src/theory/pointer_dp_task.h): the recurrence, the token layout, the verifier, the
// reach-back problems, and that r_i = i − m gives local_dp's results.
#include <gtest/gtest.h>

#include "core/error.h"
#include "tasks/local_dp.h"
#include "theory/pointer_dp_task.h"

namespace fl::theory {
namespace {

TEST(PointerDpTask, SolvesTheRecurrenceByHand) {
  const PointerDpTask task(5, 10);
  // dp_1 = 0 + 0 + 3 = 3; dp_2 = 3 + dp_1 + 4 = 10 → 0; dp_3 = 0 + dp_1 + 9 = 12 → 2; dp_4 = 2 + dp_0 + 1 = 3
  EXPECT_EQ(task.solve({3, 4, 9, 1}, {0, 1, 1, 0}), (std::vector<int64_t>{3, 0, 2, 3}));
  const Example ex = task.example({3, 4, 9, 1}, {0, 1, 1, 0});
  EXPECT_EQ(task.vocab().render(ex.tokens), "$ s3@1r0 3 s4@2r1 0 s9@3r1 2 s1@4r0 3 .");
  EXPECT_EQ(ex.prompt_len, 1);
  EXPECT_EQ(ex.loss_mask, (std::vector<uint8_t>{0, 0, 1, 0, 1, 0, 1, 0, 1, 1}));
  EXPECT_EQ(ex.answer_mask[8], 1);
  EXPECT_TRUE(task.verify(ex, task.expected_output(ex)).whole);
}

TEST(PointerDpTask, InputTokensRoundTrip) {
  const PointerDpTask task(7, 3);
  for (int64_t i = 1; i <= 7; ++i)
    for (int64_t r = 0; r < i; ++r)
      for (int64_t v = 0; v < 3; ++v) {
        const int32_t id = task.input_id({i, r, v});
        ASSERT_TRUE(task.is_input(id));
        const auto in = task.input_of(id);
        EXPECT_EQ(in.step, i);
        EXPECT_EQ(in.pointer, r);
        EXPECT_EQ(in.value, v);
      }
  EXPECT_EQ(task.result_id(0), 4 + 3 * 7 * 8 / 2);
  EXPECT_EQ(task.vocab().size(), task.result_id(0) + 3);
}

TEST(PointerDpTask, FixedPointersGiveTheLocalDp) {
  const int64_t m = 3, p = 7, n = 12;
  const LocalDpTask local(LocalDpTask::Format::Interleaved, 1, n, m, p);
  const PointerDpTask pointer(n, p);
  Rng rng(2, kStreamEvalData);
  const Example ex = local.sample_at(rng, n);
  std::vector<int64_t> inputs, pointers, dp;
  for (size_t t = 1; t + 1 < ex.tokens.size(); t += 2) {
    const int64_t i = static_cast<int64_t>(t + 1) / 2;
    inputs.push_back(local.input_value(ex.tokens[t])), pointers.push_back(std::max<int64_t>(0, i - m));
    dp.push_back(ex.tokens[t + 1] - local.result_id(0));
  }
  EXPECT_EQ(pointer.solve(inputs, pointers), dp);
}

TEST(PointerDpTask, VerifierJudgesTheChain) {
  const PointerDpTask task(6, 5);
  Rng rng(1, kStreamEvalData);
  const Example ex = task.sample_at(rng, 6);
  auto out = task.expected_output(ex);
  EXPECT_TRUE(task.verify(ex, out).whole);
  out[3] = out[3] == task.result_id(0) ? task.result_id(1) : task.result_id(0);  // dp_2 wrong
  EXPECT_FALSE(task.verify(ex, out).whole);
  EXPECT_TRUE(task.verify(ex, out).answer);
  EXPECT_FALSE(task.verify(ex, {}).whole);
  EXPECT_FALSE(task.verify(ex, {PointerDpTask::kEos}).answer);
}

TEST(PointerDpTask, SamplesReachBackAndStayInRange) {
  const PointerDpTask task(9, 4);
  Rng rng(5, kStreamEvalData);
  for (int64_t j = 0; j < 9; ++j) {
    const Example ex = task.sample_reaching(rng, 9, j);
    EXPECT_EQ(task.input_of(ex.tokens[17]).pointer, j);  // q_9 at index 17
    EXPECT_EQ(task.input_of(ex.tokens[17]).step, 9);
  }
  for (int k = 0; k < 50; ++k) {
    const Example ex = task.sample(rng);
    EXPECT_GE(ex.size, 1);
    EXPECT_LE(ex.size, 9);
    EXPECT_TRUE(task.verify(ex, task.expected_output(ex)).whole);
    EXPECT_LE(static_cast<int64_t>(ex.tokens.size()), task.longest_example());
  }
  EXPECT_EQ(static_cast<int64_t>(task.sample_at(rng, 9).tokens.size()), task.longest_example());  // exact
}

TEST(PointerDpTask, BadProblemsAreErrors) {
  EXPECT_THROW(PointerDpTask(0, 10), Error);
  EXPECT_THROW(PointerDpTask(65, 10), Error);
  EXPECT_THROW(PointerDpTask(5, 1), Error);
  const PointerDpTask task(4, 5);
  EXPECT_THROW(task.example({1, 2}, {0, 2}), Error);      // step 2 cannot read dp_2
  EXPECT_THROW(task.example({1, 5}, {0, 0}), Error);      // input ≥ p
  EXPECT_THROW(task.example({1, 1, 1, 1, 1}, {0, 0, 0, 0, 0}), Error);  // n > max
  EXPECT_THROW(task.example({1}, {0, 0}), Error);
  Rng rng(1, 2);
  EXPECT_THROW(task.sample_at(rng, 5), Error);
}

}  // namespace
}  // namespace fl::theory
