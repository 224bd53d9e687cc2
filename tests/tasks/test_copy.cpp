// The COPY task: exact format, loss mask, determinism, verifier, train/eval disjointness.
#include <gtest/gtest.h>

#include "core/error.h"
#include "data/data_source.h"
#include "data/eval_set.h"
#include "support/fixtures.h"
#include "tasks/copy.h"

namespace fl {
namespace {

TEST(CopyTask, FormatAndLossMask) {
  CopyTask task(5, 3, 3);
  Rng rng(1, 0);
  Example ex = task.sample(rng);
  const auto& v = task.vocab();
  const std::string text = v.render(ex.tokens);
  ASSERT_EQ(ex.tokens.size(), 9u);  // $ x x x | x x x .
  EXPECT_EQ(text.substr(0, 2), "$ ");
  EXPECT_EQ(v.name(ex.tokens[4]), "|");
  EXPECT_EQ(v.name(ex.tokens.back()), ".");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ex.tokens[1 + i], ex.tokens[5 + i]);
  EXPECT_EQ(ex.prompt_len, 5);
  EXPECT_EQ(ex.loss_mask, (std::vector<uint8_t>{0, 0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(ex.size, 3);
  for (auto id : ex.tokens) EXPECT_LT(id, 4 + 5);
  EXPECT_EQ(v.names(), (std::vector<std::string>{"*", "$", "|", ".", "a", "b", "c", "d", "e"}));
}

TEST(CopyTask, LengthsCoverTheRangeUniformly) {
  CopyTask task(26, 2, 8);
  Rng rng(4, 0);
  std::map<int64_t, int> counts;
  for (int i = 0; i < 7000; ++i) counts[task.sample(rng).size]++;
  ASSERT_EQ(counts.size(), 7u);
  for (const auto& [len, n] : counts) EXPECT_NEAR(n, 1000, 150) << len;
}

TEST(CopyTask, SameSeedSameData) {
  CopyTask task(26, 1, 20);
  Rng a(9, kStreamTrainData), b(9, kStreamTrainData), c(10, kStreamTrainData);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    auto x = task.sample(a), y = task.sample(b), z = task.sample(c);
    EXPECT_EQ(x.tokens, y.tokens);
    differs |= x.tokens != z.tokens;
  }
  EXPECT_TRUE(differs);
}

TEST(CopyTask, VerifierParsesTheOutput) {
  CopyTask task(4, 3, 3);
  Rng rng(2, 0);
  Example ex = task.sample(rng);
  auto right = task.expected_output(ex);
  EXPECT_TRUE(task.verify(ex, right).whole);
  auto wrong = right;
  wrong[1] = wrong[1] == 4 ? 5 : 4;
  EXPECT_FALSE(task.verify(ex, wrong).whole);
  EXPECT_FALSE(task.verify(ex, {right.begin(), right.end() - 1}).whole);  // no EOS
  auto longer = right;
  longer.insert(longer.end() - 1, right[0]);
  EXPECT_FALSE(task.verify(ex, longer).whole);
  EXPECT_FALSE(task.verify(ex, {}).whole);
}

TEST(EvalSet, TrainingNeverSeesEvaluationExamples) {
  CopyTask task(2, 1, 6);  // tiny space: collisions are common
  EvalSet held_out(task, task.default_eval_sizes(), 20, 3);
  for (const auto& [size, examples] : held_out.by_size()) {
    EXPECT_FALSE(examples.empty());
    // Length 1 has 2 strings, length 2 has 4: at most half are held out.
    if (size == 1) {
      EXPECT_EQ(examples.size(), 1u);
    }
    if (size == 2) {
      EXPECT_LE(examples.size(), 2u);
    }
  }
  DataSource fresh(task, held_out, 0, 3);
  for (int i = 0; i < 50; ++i)
    for (const auto& ex : fresh.next_batch(16)) EXPECT_FALSE(held_out.contains(ex.tokens));
  EXPECT_GT(fresh.rejected(), 0);

  DataSource fixed(task, held_out, 30, 3);
  std::set<std::vector<int32_t>> seen;
  for (int i = 0; i < 10; ++i)
    for (const auto& ex : fixed.next_batch(9)) {
      EXPECT_FALSE(held_out.contains(ex.tokens));
      seen.insert(ex.tokens);
    }
  EXPECT_EQ(seen.size(), 30u);  // a fixed set of exactly S distinct examples
}

TEST(EvalSet, ValidationSplitSharesNoExampleWithTheEvaluationSetAndIsNeverTrainedOn) {
  CopyTask task(2, 1, 6);  // tiny space: collisions are common
  EvalSet test(task, task.default_eval_sizes(), 20, 3);
  EvalSet validation(task, task.default_eval_sizes(), 20, 3, kStreamValidationData, &test);
  size_t examples = 0;
  for (const auto& [size, list] : validation.by_size())
    for (const auto& ex : list) {
      EXPECT_FALSE(test.contains(ex.tokens));
      ++examples;
    }
  EXPECT_GT(examples, 20u);
  // Its own stream: without the exclusion it would draw examples of the evaluation set.
  EvalSet unexcluded(task, task.default_eval_sizes(), 20, 3, kStreamValidationData);
  bool shares = false;
  for (const auto& [size, list] : unexcluded.by_size())
    for (const auto& ex : list) shares = shares || test.contains(ex.tokens);
  EXPECT_TRUE(shares);
  DataSource fresh(task, std::vector<const EvalSet*>{&test, &validation}, 0, 3);
  for (int i = 0; i < 50; ++i)
    for (const auto& ex : fresh.next_batch(16)) {
      EXPECT_FALSE(test.contains(ex.tokens));
      EXPECT_FALSE(validation.contains(ex.tokens));
    }
}

TEST(Vocab, ParseAndRender) {
  CopyTask task(3, 1, 2);
  const auto& v = task.vocab();
  EXPECT_EQ(v.parse("$ a b |"), (std::vector<int32_t>{1, 4, 5, 2}));
  EXPECT_EQ(v.render({1, 4, 5, 2, 99}), "$ a b | <99>");
  EXPECT_THROW(v.parse("$ z |"), Error);
}

}  // namespace
}  // namespace fl

namespace fl {
namespace {

TEST(DataSource, PacksWholeExamplesIntoRows) {
  CopyTask task(26, 1, 10);
  EvalSet held_out(task, {3}, 5, 1);
  DataSource packed(task, held_out, 0, 7), plain(task, held_out, 0, 7);
  // The packed rows are the same example stream, concatenated: compare against the plain stream.
  std::vector<int32_t> stream;
  std::vector<uint8_t> mask_stream;
  for (int batch = 0; batch < 5; ++batch) {
    for (const auto& row : packed.next_batch(4, 40)) {
      EXPECT_LE(row.tokens.size(), 40u);
      EXPECT_GE(row.tokens.size(), 40u - 2 * 10 - 3 + 1);  // the next example did not fit
      EXPECT_EQ(row.tokens.size(), row.loss_mask.size());
      EXPECT_EQ(row.tokens.front(), CopyTask::kBos);
      EXPECT_EQ(row.tokens.back(), CopyTask::kEos);
      stream.insert(stream.end(), row.tokens.begin(), row.tokens.end());
      mask_stream.insert(mask_stream.end(), row.loss_mask.begin(), row.loss_mask.end());
    }
  }
  std::vector<int32_t> expected;
  std::vector<uint8_t> expected_mask;
  while (expected.size() < stream.size()) {
    auto ex = plain.next_batch(1)[0];
    expected.insert(expected.end(), ex.tokens.begin(), ex.tokens.end());
    expected_mask.insert(expected_mask.end(), ex.loss_mask.begin(), ex.loss_mask.end());
  }
  EXPECT_EQ(stream, expected);
  EXPECT_EQ(mask_stream, expected_mask);
  EXPECT_THROW(packed.next_batch(2, 10), Error);  // a 23-token example cannot fit in 10
}

}  // namespace
}  // namespace fl
