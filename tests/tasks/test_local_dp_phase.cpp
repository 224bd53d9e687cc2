// local_dp with task.phase = P (src/tasks/local_dp.h): inputs carry their position mod P, the
// problem and its answers are those of the untagged task, the verifier checks the tags.
#include <gtest/gtest.h>

#include "core/error.h"
#include "support/fixtures.h"
#include "tasks/local_dp.h"

namespace fl {
namespace {

using test_support::error_of;
using Format = LocalDpTask::Format;

TEST(LocalDpPhase, InputsCarryTheirPhaseAndTheProblemIsUnchanged) {
  const LocalDpTask plain(Format::Interleaved, 1, 9, 3, 10), tagged(Format::Interleaved, 1, 9, 3, 10, 3);
  EXPECT_EQ(tagged.vocab().size(), 4 + 3 * 10 + 10);
  EXPECT_EQ(tagged.vocab().name(tagged.input_id(7, 4)), "s7@1");
  EXPECT_EQ(tagged.vocab().name(tagged.result_id(2)), "2");
  EXPECT_EQ(plain.vocab().name(plain.input_id(7, 4)), "s7");
  Rng a(4, kStreamEvalData), b(4, kStreamEvalData);
  const Example x = plain.sample_at(a, 9), y = tagged.sample_at(b, 9);
  ASSERT_EQ(x.tokens.size(), y.tokens.size());
  for (size_t t = 1; t + 1 < x.tokens.size(); t += 2) {
    const int64_t i = static_cast<int64_t>(t + 1) / 2;
    EXPECT_TRUE(tagged.is_input(y.tokens[t]));
    EXPECT_EQ(tagged.input_phase(y.tokens[t]), i % 3) << "step " << i;
    EXPECT_EQ(tagged.input_value(y.tokens[t]), plain.input_value(x.tokens[t]));
    EXPECT_EQ(y.tokens[t + 1] - tagged.result_id(0), x.tokens[t + 1] - plain.result_id(0));  // same dp_i
  }
  EXPECT_EQ(x.loss_mask, y.loss_mask);
}

TEST(LocalDpPhase, VerifierAcceptsTheChainAndRejectsAWrongTag) {
  const LocalDpTask task(Format::Interleaved, 1, 6, 2, 5, 2);
  Rng rng(8, kStreamEvalData);
  const Example ex = task.sample_at(rng, 6);
  const auto right = task.expected_output(ex);
  EXPECT_TRUE(task.verify(ex, right).whole);
  auto wrong_tag = right;
  ASSERT_EQ(task.input_phase(right[2]), 0);                       // s_2: phase 2 mod 2
  wrong_tag[2] = task.input_id(task.input_value(right[2]), 1);    // tagged as phase 1
  EXPECT_FALSE(task.verify(ex, wrong_tag).whole);
  const LocalDpTask prefix(Format::Prefix, 1, 6, 2, 5, 4);
  Rng again(8, kStreamEvalData);
  const Example p = prefix.sample_at(again, 6);
  EXPECT_TRUE(prefix.verify(p, prefix.expected_output(p)).whole);
}

TEST(LocalDpPhase, BadPhasesAreOneLineErrors) {
  EXPECT_NE(error_of([] { LocalDpTask(Format::Interleaved, 1, 4, 2, 5, -1); }).find("task.phase"), std::string::npos);
  EXPECT_NE(error_of([] { LocalDpTask(Format::Interleaved, 1, 4, 2, 10000, 1000); }).find("task.phase"),
            std::string::npos);
  EXPECT_EQ(error_of([] { LocalDpTask(Format::Interleaved, 1, 4, 2, 5, 0); }), "");
}

}  // namespace
}  // namespace fl
