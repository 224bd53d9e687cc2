// Task sizes and prompts from the user (eval.sizes, --sizes, sample --size, generate --prompt):
// every task refuses a size it cannot generate with one fl::Error — never another exception, a
// huge allocation or an endless generation — and names unknown prompt tokens.
#include <gtest/gtest.h>

#include <limits>
#include <map>

#include "core/error.h"
#include "support/fixtures.h"
#include "support/small_dataset.h"
#include "tasks/arithmetic.h"
#include "tasks/copy.h"
#include "tasks/lis.h"
#include "tasks/local_dp.h"
#include "tasks/ngram_lookup.h"

namespace fl {
namespace {

using test_support::TempDir;

// Every registered task with its default parameters (dataset: a small file in `dir`).
std::map<std::string, std::unique_ptr<Task>> every_task(const TempDir& dir) {
  const auto data = test_support::write_small_dataset(dir.path());
  std::map<std::string, std::unique_ptr<Task>> tasks;
  for (const auto& name : task_names()) {
    RawConfig raw{"test", {}, {}};
    if (name == "dataset") raw.apply_override("task.path=" + data.string());
    if (name == "dataset") raw.apply_override("task.eval_fraction=0.5");
    tasks.emplace(name, make_task(name, resolve(raw, task_param_specs(name))));
  }
  return tasks;
}

// "fl::Error", "ok" or the other exception's what(): sample_at(size) must never be the last.
std::string outcome_of_sample_at(const Task& task, int64_t size) {
  Rng rng(3, kStreamEvalData);
  try {
    const Example ex = task.sample_at(rng, size);
    return ex.size == size ? "ok" : "ok with size " + std::to_string(ex.size);
  } catch (const Error&) {
    return "fl::Error";
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
}

TEST(TaskInputValidation, SizesOutsideEveryTasksRangeAreOneError) {
  TempDir dir;
  const auto tasks = every_task(dir);
  ASSERT_EQ(tasks.size(), task_names().size());
  for (const auto& [name, task] : tasks) {
    for (int64_t size : task->default_eval_sizes()) EXPECT_EQ(outcome_of_sample_at(*task, size), "ok") << name;
    // Copy once threw std::length_error at -5; copy, arithmetic, local_dp and the n-gram
    // lookups once tried to build sequences of 2^40 tokens.
    for (int64_t size : {int64_t{-5}, int64_t{0}, int64_t{1} << 40, std::numeric_limits<int64_t>::max()})
      EXPECT_EQ(outcome_of_sample_at(*task, size), "fl::Error") << name << " at size " << size;
  }
}

TEST(TaskInputValidation, EvaluationSizesStopAtTheDeclaredBounds) {
  const CopyTask copy(26, 1, 20);
  EXPECT_EQ(outcome_of_sample_at(copy, 100000), "ok");
  EXPECT_EQ(outcome_of_sample_at(copy, 100001), "fl::Error");
  const ArithmeticTask arithmetic(1, 4, "direct", 11);
  EXPECT_EQ(outcome_of_sample_at(arithmetic, 1000), "ok");
  EXPECT_EQ(outcome_of_sample_at(arithmetic, 1001), "fl::Error");
  const LocalDpTask local_dp(LocalDpTask::Format::Prefix, 1, 16, 2, 10);
  EXPECT_EQ(outcome_of_sample_at(local_dp, 100000), "ok");
  EXPECT_EQ(outcome_of_sample_at(local_dp, 100001), "fl::Error");
  const NgramLookupTask ngram(true, 26, 4, 20, 3, 1);
  EXPECT_EQ(outcome_of_sample_at(ngram, 100000), "ok");
  EXPECT_EQ(outcome_of_sample_at(ngram, 100001), "fl::Error");
  Rng rng(1, 1);
  try {
    copy.sample_at(rng, -5);
    ADD_FAILURE() << "copy accepted length -5";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "copy: length -5 is outside 1..100000");
  }
}

TEST(TaskInputValidation, PromptsRoundTripAndUnknownTokensAreNamed) {
  TempDir dir;
  for (const auto& [name, task] : every_task(dir)) {
    Rng rng(9, kStreamTrainData);
    const Example ex = task->sample(rng);
    const std::vector<int32_t> prompt(ex.tokens.begin(), ex.tokens.begin() + ex.prompt_len);
    const std::string text = task->vocab().render(prompt);
    EXPECT_EQ(task->vocab().parse(text), prompt) << name << ": " << text;
    try {
      task->vocab().parse(text + " no-such-token");
      ADD_FAILURE() << name << " accepted an unknown token";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("unknown token 'no-such-token'", 0), 0u) << e.what();
    }
    EXPECT_TRUE(task->vocab().parse(" \t\n ").empty()) << name;  // blank: no tokens (generate refuses it)
  }
}

TEST(TaskInputValidation, UnknownTokenMessageListsAShortVocabulary) {
  const LisTask lis(10, 10, "cot", 150);  // 163 tokens
  try {
    lis.vocab().parse("1 2 x");
    ADD_FAILURE() << "accepted 'x'";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("unknown token 'x' (vocabulary: <pad> <sep> <eos> 0 1 ", 0), 0u) << what;
    EXPECT_NE(what.find(" … (163 tokens))"), std::string::npos) << what;
    EXPECT_LT(what.size(), 300u);
  }
}

}  // namespace
}  // namespace fl
