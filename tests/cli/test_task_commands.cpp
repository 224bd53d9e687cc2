// Every task trains and evaluates through the CLI (a few steps of a tiny model), and the
// `tasks` and `sample` commands work and reject bad input.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "support/fixtures.h"
#include "support/process.h"

namespace fl {
namespace {

using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;

struct TaskCase {
  std::string name, task_json;
};
void PrintTo(const TaskCase& c, std::ostream* os) { *os << c.name; }

class EveryTask : public testing::TestWithParam<TaskCase> {};

TEST_P(EveryTask, TrainsAndEvaluatesThroughTheCli) {
  const auto& c = GetParam();
  TempDir dir;
  write_file_atomic(dir / "data.jsonl",
                    "{\"input\": \"a b c\", \"target\": \"c b a\"}\n{\"input\": \"b c\", \"target\": \"c b\"}\n"
                    "{\"input\": \"a a\", \"target\": \"a a\"}\n{\"input\": \"c a b\", \"target\": \"b a c\"}\n"
                    "{\"input\": \"c c\", \"target\": \"c c\"}\n{\"input\": \"a b\", \"target\": \"b a\"}\n");
  std::string task_json = c.task_json;
  const auto at = task_json.find("DATA");
  if (at != std::string::npos) task_json.replace(at, 4, (dir / "data.jsonl").string());
  for (const char* model : {R"({"type": "mamba", "d_model": 16, "n_layer": 1})",
                            R"({"type": "transformer", "d_model": 16, "n_layer": 1, "n_head": 2})"}) {
    write_file_atomic(dir / "c.json", std::string(R"({"seed": 3, "model": )") + model + R"(, "task": )" + task_json +
                                          R"(, "train": {"steps": 3, "batch_size": 4, "warmup": 1},
                                            "eval": {"samples": 3}})");
    const auto run = dir / (std::string(model).find("mamba") != std::string::npos ? "m" : "t");
    auto r = run_command(kBin + " --threads 1 train --quiet --config " + (dir / "c.json").string() + " --out " +
                         run.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("whole (gen)"), std::string::npos) << r.out;
    r = run_command(kBin + " --threads 1 eval --checkpoint " + run.string() + " --samples 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tasks, EveryTask,
    testing::Values(TaskCase{"copy", R"({"name": "copy", "max_len": 4})"},
                    TaskCase{"prefix_ngram", R"({"name": "prefix_ngram", "max_len": 8})"},
                    TaskCase{"suffix_ngram", R"({"name": "suffix_ngram", "max_len": 8})"},
                    TaskCase{"lookup", R"({"name": "lookup", "length": 8, "queries": 2})"},
                    TaskCase{"assoc_recall", R"({"name": "assoc_recall", "pairs": 4, "vocab": 16})"},
                    TaskCase{"local_dp_interleaved", R"({"name": "local_dp", "n": 6, "format": "interleaved"})"},
                    TaskCase{"local_dp_prefix", R"({"name": "local_dp", "n": 6, "format": "prefix"})"},
                    TaskCase{"lis_cot", R"({"name": "lis", "n": 6, "format": "cot"})"},
                    TaskCase{"lis_direct", R"({"name": "lis", "n": 6, "format": "direct"})"},
                    TaskCase{"edit_distance", R"({"name": "edit_distance", "n": 5})"},
                    TaskCase{"arithmetic", R"({"name": "arithmetic", "n": 2})"},
                    TaskCase{"dataset", R"({"name": "dataset", "path": "DATA", "eval_fraction": 0.5})"}),
    [](const testing::TestParamInfo<TaskCase>& info) { return info.param.name; });

TEST(TaskCommands, TasksListsEveryTask) {
  const auto r = run_command(kBin + " tasks");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"copy", "prefix_ngram", "suffix_ngram", "lookup", "assoc_recall", "local_dp", "lis",
                           "edit_distance", "arithmetic", "dataset"})
    EXPECT_NE(("\n" + r.out).find(std::string("\n") + name + "\n"), std::string::npos) << name;
}

TEST(TaskCommands, SamplePrintsDeterministicExamples) {
  const auto a = run_command(kBin + " sample --task lis --n 8 --seed 1");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 8);
  EXPECT_NE(a.out.find("<sep>"), std::string::npos);
  EXPECT_EQ(run_command(kBin + " sample --task lis --n 8 --seed 1").out, a.out);
  EXPECT_NE(run_command(kBin + " sample --task lis --n 8 --seed 2").out, a.out);
  const auto ids = run_command(kBin + " sample --task copy --n 1 --seed 1 --ids --set task.max_len=3");
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  EXPECT_EQ(ids.out.rfind("1 ", 0), 0u) << ids.out;  // BOS "$" is id 1

  for (const std::string bad : {"--task sorting", "--task lis --set task.n=0", "--task lis --set model.d_model=3"}) {
    const auto r = run_command(kBin + " sample " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_EQ(r.err.rfind("freelunch: error: ", 0), 0u) << r.err;
  }
}

}  // namespace
}  // namespace fl
