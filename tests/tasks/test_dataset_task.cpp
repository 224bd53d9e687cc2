// The DATASET task: both line forms, vocabularies, the content-hash split, verify, bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/data_source.h"
#include "data/eval_set.h"
#include "support/fixtures.h"
#include "tasks/dataset_file.h"

namespace fl {
namespace {

using test_support::TempDir;

std::string write(const TempDir& dir, const std::string& name, const std::string& content) {
  const auto path = dir / name;
  write_file_atomic(path, content);
  return path.string();
}

// n lines "{"input": "q<i> r", "target": "<target(i)>"}" with targets of 1 to 3 tokens.
std::string name_lines(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    std::string target = "t" + std::to_string(i % 7);
    for (int k = 0; k < i % 3; ++k) target += " u";
    out += R"({"input": "q)" + std::to_string(i) + R"( r", "target": ")" + target + "\"}\n";
  }
  return out;
}

// Every distinct example the task can produce: training ones via sample, evaluation ones via sample_at.
struct Drawn {
  std::set<std::vector<int32_t>> train, eval;
};
Drawn draw_all(const DatasetTask& task, int draws) {
  Drawn d;
  Rng rng(3, kStreamTrainData);
  for (int i = 0; i < draws; ++i) d.train.insert(task.sample(rng).tokens);
  for (int64_t len : task.default_eval_sizes())
    for (int i = 0; i < draws / 4; ++i) d.eval.insert(task.sample_at(rng, len).tokens);
  return d;
}

TEST(DatasetTask, NameFormBuildsTheVocabularyInOrderOfFirstAppearance) {
  TempDir dir;
  const auto path = write(dir, "d.jsonl", name_lines(40));
  DatasetTask task(path, "", 0.3);
  const auto& names = task.vocab().names();
  ASSERT_GE(names.size(), 6u);
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 6),
            (std::vector<std::string>{"<pad>", "<eos>", "q0", "r", "t0", "q1"}));
  EXPECT_EQ(task.pad_id(), 0);
  EXPECT_EQ(task.eos_id(), 1);
  EXPECT_EQ(task.train_count() + task.eval_count(), 40);
  Rng rng(1, kStreamTrainData);
  for (int i = 0; i < 50; ++i) {
    const Example ex = task.sample(rng);
    ASSERT_EQ(ex.prompt_len, 2);  // "q<i> r"
    const int line = std::stoi(task.vocab().name(ex.tokens[0]).substr(1));
    std::string expected = "q" + std::to_string(line) + " r t" + std::to_string(line % 7);
    for (int k = 0; k < line % 3; ++k) expected += " u";
    EXPECT_EQ(task.vocab().render(ex.tokens), expected + " <eos>");
    EXPECT_EQ(ex.size, 1 + line % 3);
    const size_t n = ex.tokens.size();
    for (size_t t = 0; t < n; ++t) {
      EXPECT_EQ(ex.loss_mask[t], t >= 2) << t;
      EXPECT_EQ(ex.answer_mask[t], t >= 2 && t + 1 < n) << t;  // the target, not the <eos>
    }
    EXPECT_TRUE(ex.free_form());
  }
}

// The worked example of docs/TASKS.md ("Your own data").
TEST(DatasetTask, DocumentedExample) {
  TempDir dir;
  const auto path = write(dir, "add.jsonl",
                          "{\"input\": \"12 + 5 =\", \"target\": \"1 7\"}\n"
                          "{\"input\": \"3 + 4 =\", \"target\": \"7\"}\n"
                          "{\"input\": \"9 + 9 =\", \"target\": \"1 8\"}\n"
                          "{\"input\": \"2 + 2 =\", \"target\": \"4\"}\n");
  DatasetTask task(path, "", 0.3);
  EXPECT_EQ(task.vocab().names(), (std::vector<std::string>{"<pad>", "<eos>", "12", "+", "5", "=", "1", "7", "3",
                                                             "4", "9", "8", "2"}));
  EXPECT_EQ(task.train_count(), 3);
  EXPECT_EQ(task.default_eval_sizes(), (std::vector<int64_t>{1}));
  Rng rng(1, kStreamEvalData);
  const Example ex = task.sample_at(rng, 1);
  EXPECT_EQ(task.vocab().render(ex.tokens), "2 + 2 = 4 <eos>");
  EXPECT_EQ(ex.tokens, (std::vector<int32_t>{12, 3, 12, 5, 9, 1}));
  EXPECT_EQ(ex.prompt_len, 4);
  EXPECT_EQ(ex.loss_mask, (std::vector<uint8_t>{0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(ex.answer_mask, (std::vector<uint8_t>{0, 0, 0, 0, 1, 0}));
  // u("2 + 2 = 4") = 0.18924…, u("12 + 5 = 1 7") = 0.60328… (the docs' Python gives the same).
  EXPECT_TRUE(DatasetTask::in_eval_split("2 + 2 = 4", 0.1893));
  EXPECT_FALSE(DatasetTask::in_eval_split("2 + 2 = 4", 0.1892));
  EXPECT_TRUE(DatasetTask::in_eval_split("12 + 5 = 1 7", 0.6033));
  EXPECT_FALSE(DatasetTask::in_eval_split("12 + 5 = 1 7", 0.6032));
}

TEST(DatasetTask, IdFormWithoutVocabFileNamesTheIdsAndAppendsTheSpecials) {
  TempDir dir;
  std::string lines;
  for (int i = 0; i < 30; ++i)
    lines += "{\"input\": [" + std::to_string(i % 5) + ", 2], \"target\": [" + std::to_string(i) + "], \"id\": 1}\n";
  DatasetTask task(write(dir, "ids.jsonl", lines), "", 0.3);
  ASSERT_EQ(task.vocab().size(), 32);  // 0..29, <pad>, <eos>
  EXPECT_EQ(task.vocab().name(0), "0");
  EXPECT_EQ(task.vocab().name(29), "29");
  EXPECT_EQ(task.pad_id(), 30);
  EXPECT_EQ(task.eos_id(), 31);
  EXPECT_EQ(task.vocab().name(30), "<pad>");
  EXPECT_EQ(task.vocab().name(31), "<eos>");
  Rng rng(2, kStreamTrainData);
  const Example ex = task.sample(rng);
  ASSERT_EQ(ex.tokens.size(), 4u);
  EXPECT_EQ(ex.tokens[1], 2);
  EXPECT_EQ(ex.tokens[3], 31);
  EXPECT_EQ(task.default_eval_sizes(), (std::vector<int64_t>{1}));
}

TEST(DatasetTask, GivenVocabFileFixesTheIdsInBothForms) {
  TempDir dir;
  const auto vocab = write(dir, "vocab.txt", "x\n<eos>\ny\n<pad>\nz\n\n");  // trailing blank lines are fine
  const std::vector<std::string> targets = {"z", "x", "z x", "y z"};
  std::string names, ids;
  for (int i = 0; i < 20; ++i) {
    std::string input = "x";
    for (int k = 0; k <= i % 5; ++k) input += " y";
    names += R"({"input": ")" + input + R"(", "target": ")" + targets[i / 5] + "\"}\n";
  }
  for (int a : {0, 2, 4})
    for (int b : {0, 2, 4}) {
      const std::string in = std::to_string(a) + ", " + std::to_string(b);
      ids += "{\"input\": [" + in + "], \"target\": [" + in + "]}\n";
      ids += "{\"input\": [" + in + "], \"target\": [" + std::to_string(b) + "]}\n";
    }
  DatasetTask by_name(write(dir, "n.jsonl", names), vocab, 0.3);
  EXPECT_EQ(by_name.vocab().names(), (std::vector<std::string>{"x", "<eos>", "y", "<pad>", "z"}));
  EXPECT_EQ(by_name.pad_id(), 3);
  EXPECT_EQ(by_name.eos_id(), 1);
  EXPECT_EQ(by_name.train_count() + by_name.eval_count(), 20);
  Rng rng(1, kStreamTrainData);
  const Example ex = by_name.sample(rng);
  EXPECT_EQ(std::vector<int32_t>(ex.tokens.begin(), ex.tokens.begin() + 2), (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(ex.tokens.back(), 1);

  DatasetTask by_id(write(dir, "i.jsonl", ids), vocab, 0.3);
  EXPECT_EQ(by_id.vocab().size(), 5);
  EXPECT_EQ(by_id.eos_id(), 1);
  EXPECT_EQ(by_id.train_count() + by_id.eval_count(), 18);
  const Example e = by_id.sample(rng);
  EXPECT_EQ(e.prompt_len, 2);
  EXPECT_EQ(e.tokens.back(), 1);
  for (int32_t id : e.tokens) EXPECT_TRUE(id == 0 || id == 1 || id == 2 || id == 4) << id;
}

TEST(DatasetTask, SplitIsDisjointDeterministicAndCoversEveryExample) {
  TempDir dir;
  const auto path = write(dir, "d.jsonl", name_lines(200));
  DatasetTask a(path, "", 0.25), b(path, "", 0.25);
  EXPECT_EQ(a.train_count() + a.eval_count(), 200);
  EXPECT_NEAR(a.eval_count(), 50, 25);
  const Drawn da = draw_all(a, 3000), db = draw_all(b, 3000);
  EXPECT_EQ(da.train, db.train);
  EXPECT_EQ(da.eval, db.eval);
  EXPECT_EQ(static_cast<int64_t>(da.train.size()), a.train_count());
  EXPECT_EQ(static_cast<int64_t>(da.eval.size()), a.eval_count());
  for (const auto& tokens : da.eval) EXPECT_EQ(da.train.count(tokens), 0u);
  // The side is the documented function of the token names alone.
  for (const auto& tokens : da.eval) {
    const std::vector<int32_t> body(tokens.begin(), tokens.end() - 1);
    EXPECT_TRUE(DatasetTask::in_eval_split(a.vocab().render(body), 0.25));
  }
  for (const auto& tokens : da.train) {
    const std::vector<int32_t> body(tokens.begin(), tokens.end() - 1);
    EXPECT_FALSE(DatasetTask::in_eval_split(a.vocab().render(body), 0.25));
  }
}

TEST(DatasetTask, SplitHashIsTheDocumentedFormula) {
  auto documented = [](const std::string& key) {
    uint64_t z = 0xcbf29ce484222325ULL;
    for (unsigned char c : key) z = (z ^ c) * 0x100000001b3ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
  };
  for (const std::string key : {"a b c", "3 5 9 4 2", "q17 r t3 u"}) {
    const double u = documented(key);
    EXPECT_TRUE(DatasetTask::in_eval_split(key, std::nextafter(u, 2.0)));
    EXPECT_FALSE(DatasetTask::in_eval_split(key, u));
  }
}

TEST(DatasetTask, DuplicatesAreKeptOnceAndEqualTokensShareASide) {
  TempDir dir;
  std::string lines = name_lines(60);
  lines += lines;  // every line twice
  lines += "{\"target\": \"t0\",   \"input\": \"q0  r\"}\n";  // line 0 again, written differently
  for (int i = 0; i < 60; ++i)  // the same tokens as line i with another prompt boundary
    lines += R"({"input": "q)" + std::to_string(i) + R"(", "target": "r t)" + std::to_string(i % 7) +
             std::string(i % 3 >= 1 ? " u" : "") + std::string(i % 3 == 2 ? " u" : "") + "\"}\n";
  DatasetTask task(write(dir, "dup.jsonl", lines), "", 0.3);
  EXPECT_EQ(task.train_count() + task.eval_count(), 120);
  // The evaluation machinery never has to reject a training sample.
  EvalSet held_out(task, task.default_eval_sizes(), 50, 7);
  DataSource source(task, held_out, 0, 7);
  for (int i = 0; i < 20; ++i) source.next_batch(50);
  EXPECT_EQ(source.rejected(), 0);
  // Both boundaries of one token sequence are on the same side.
  const Drawn d = draw_all(task, 4000);
  EXPECT_EQ(static_cast<int64_t>(d.train.size() + d.eval.size()), 60);  // token sequences
}

TEST(DatasetTask, EvalSizesAreTheTargetLengthsOfTheEvaluationSplit) {
  TempDir dir;
  DatasetTask task(write(dir, "d.jsonl", name_lines(300)), "", 0.2);
  EXPECT_EQ(task.default_eval_sizes(), (std::vector<int64_t>{1, 2, 3}));
  Rng rng(5, kStreamEvalData);
  for (int64_t len : {1, 2, 3}) EXPECT_EQ(task.sample_at(rng, len).size, len);
  EXPECT_THROW(task.sample_at(rng, 4), Error);
  Rng r1(9, kStreamTrainData), r2(9, kStreamTrainData);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(task.sample(r1).tokens, task.sample(r2).tokens);
}

TEST(DatasetTask, VerifyWantsExactlyTheTargetThenEos) {
  TempDir dir;
  DatasetTask task(write(dir, "d.jsonl", name_lines(30)), "", 0.3);
  Rng rng(4, kStreamTrainData);
  Example ex;
  do ex = task.sample(rng);
  while (ex.size < 2);
  const auto right = task.expected_output(ex);
  const Verdict ok = task.verify(ex, right);
  EXPECT_TRUE(ok.answer && ok.whole);
  auto judge = [&](std::vector<int32_t> out) {
    const Verdict v = task.verify(ex, out);
    EXPECT_EQ(v.answer, v.whole);
    return v.answer;
  };
  EXPECT_FALSE(judge({}));
  EXPECT_FALSE(judge({right.begin(), right.end() - 1}));  // no <eos>
  auto extra = right;
  extra.insert(extra.end() - 1, right[0]);
  EXPECT_FALSE(judge(extra));
  auto wrong = right;
  wrong[1] = wrong[1] == 2 ? 3 : 2;
  EXPECT_FALSE(judge(wrong));
  EXPECT_FALSE(judge({task.eos_id()}));
  EXPECT_FALSE(judge({-5, 1 << 30, task.eos_id()}));
}

// Each bad file gives one fl::Error naming the file and the 1-based line.
TEST(DatasetTask, BadLinesNameTheFileAndLine) {
  TempDir dir;
  const auto vocab = write(dir, "v.txt", "<pad>\n<eos>\na\nb\n");
  const std::string good = R"({"input": "a", "target": "b"})";
  struct Case {
    std::string line, vocab, expected;
  };
  const std::vector<Case> cases = {
      {R"({"input": "a")", "", "not valid JSON"},
      {"\xff\xfe garbage \x01", "", "not valid JSON"},
      {"{\"input\": \"\xff\", \"target\": \"b\"}", "", "not valid JSON"},  // invalid UTF-8
      {"[1, 2]", "", "expected a JSON object"},
      {"42", "", "expected a JSON object"},
      {R"({"target": "b"})", "", "missing \"input\""},
      {R"({"input": "a"})", "", "missing \"target\""},
      {R"({"input": 3, "target": "b"})", "", "\"input\" must be token names"},
      {R"({"input": "a", "target": {"b": 1}})", "", "\"target\" must be token names"},
      {R"({"input": "a", "target": ""})", "", "\"target\" is empty"},
      {R"({"input": "a", "target": "   "})", "", "\"target\" is empty"},
      {R"({"input": "", "target": "b"})", "", "\"input\" is empty"},
      {R"({"input": "a", "target": [1]})", "", "use one form per file"},
      {R"({"input": "a <eos>", "target": "b"})", "", "reserved token '<eos>'"},
      {R"({"input": "a", "target": "c"})", vocab, "unknown token 'c'"},
  };
  for (const auto& c : cases) {
    const auto path = write(dir, "bad.jsonl", good + "\n\n" + c.line + "\n" + good + "\n");
    try {
      DatasetTask(path, c.vocab, 0.5);
      ADD_FAILURE() << "accepted: " << c.line;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path + ":3: "), std::string::npos) << what;
      EXPECT_NE(what.find(c.expected), std::string::npos) << what;
    }
  }
}

TEST(DatasetTask, BadIdsNameTheFileAndLine) {
  TempDir dir;
  const auto vocab = write(dir, "v.txt", "<pad>\n<eos>\na\nb\n");
  const std::string good = R"({"input": [2], "target": [3]})";
  struct Case {
    std::string line, vocab, expected;
  };
  const std::vector<Case> cases = {
      {R"({"input": [2, 2.5], "target": [3]})", "", "\"input\"[1] must be an integer token id, got 2.5"},
      {R"({"input": [2], "target": ["a"]})", "", "\"target\"[0] must be an integer token id, got a string"},
      {R"({"input": [-1], "target": [3]})", "", "\"input\"[0] = -1 is outside [0, 1000000)"},
      {R"({"input": [2], "target": [1000000]})", "", "is outside [0, 1000000)"},
      {R"({"input": [2], "target": [18446744073709551615]})", "", "is outside"},
      {R"({"input": [2], "target": []})", "", "\"target\" is empty"},
      {R"({"input": [], "target": [3]})", "", "\"input\" is empty"},
      {R"({"input": "a", "target": "b"})", "", "use one form per file"},
      {R"({"input": [2], "target": [4]})", vocab, "outside the vocabulary [0, 4)"},
      {R"({"input": [2, 1], "target": [3]})", vocab, "reserved token '<eos>'"},
      {R"({"input": [0], "target": [3]})", vocab, "reserved token '<pad>'"},
  };
  for (const auto& c : cases) {
    const auto path = write(dir, "bad.jsonl", "\n" + good + "\n" + c.line + "\n");
    try {
      DatasetTask(path, c.vocab, 0.5);
      ADD_FAILURE() << "accepted: " << c.line;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path + ":3: "), std::string::npos) << what;
      EXPECT_NE(what.find(c.expected), std::string::npos) << what;
    }
  }
}

void expect_error(const std::function<void()>& make, const std::vector<std::string>& parts) {
  try {
    make();
    ADD_FAILURE() << "no error; expected " << parts.front();
  } catch (const Error& e) {
    for (const auto& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(DatasetTask, BadFilesAndParametersAreErrors) {
  TempDir dir;
  const auto data = write(dir, "d.jsonl", name_lines(50));
  const auto missing = (dir / "nope.jsonl").string();
  expect_error([&] { DatasetTask(missing, "", 0.1); }, {missing, "no such file", "task.path"});
  expect_error([&] { DatasetTask(dir.path().string(), "", 0.1); }, {"directory", "task.path"});
  expect_error([&] { DatasetTask("", "", 0.1); }, {"task.path is required"});
  const auto empty = write(dir, "e.jsonl", "");
  expect_error([&] { DatasetTask(empty, "", 0.1); }, {empty, "no examples"});
  const auto blanks = write(dir, "b.jsonl", "\n  \n\t\r\n");
  expect_error([&] { DatasetTask(blanks, "", 0.1); }, {blanks, "no examples"});
  expect_error([&] { DatasetTask(data, "", 0.0); }, {"task.eval_fraction"});
  expect_error([&] { DatasetTask(data, "", 1.0); }, {"task.eval_fraction"});
  const auto two = write(dir, "two.jsonl", name_lines(2));
  expect_error([&] { DatasetTask(two, "", 1e-9); }, {two, "training split", "too few lines", "raise task.eval_fraction"});
  expect_error([&] { DatasetTask(two, "", 1 - 1e-9); }, {"evaluation split", "lower task.eval_fraction"});
  // Vocabulary files.
  const auto vmissing = (dir / "nope.txt").string();
  expect_error([&] { DatasetTask(data, vmissing, 0.1); }, {vmissing, "task.vocab_file"});
  const auto no_eos = write(dir, "v1.txt", "<pad>\nq0\n");
  expect_error([&] { DatasetTask(data, no_eos, 0.1); }, {no_eos, "'<eos>'"});
  const auto no_pad = write(dir, "v2.txt", "<eos>\n");
  expect_error([&] { DatasetTask(data, no_pad, 0.1); }, {no_pad, "'<pad>'"});
  const auto hole = write(dir, "v3.txt", "<pad>\n<eos>\n\na\n");
  expect_error([&] { DatasetTask(data, hole, 0.1); }, {hole + ":3: ", "empty token name"});
  const auto twice = write(dir, "v4.txt", "<pad>\n<eos>\na\na\n");
  expect_error([&] { DatasetTask(data, twice, 0.1); }, {twice + ":4: ", "repeats line 3"});
  const auto spaced = write(dir, "v5.txt", "<pad>\n<eos>\na b\n");
  expect_error([&] { DatasetTask(data, spaced, 0.1); }, {spaced + ":3: ", "whitespace"});
}

TEST(DatasetTask, CreateFromParameters) {
  TempDir dir;
  const auto path = write(dir, "d.jsonl", name_lines(50));
  RawConfig none{"test", {}, {}};
  EXPECT_THROW(resolve(none, DatasetTask::specs()), Error);  // task.path is required
  RawConfig raw{"test", {}, {}};
  raw.apply_override("task.path=" + path);
  auto task = DatasetTask::create(resolve(raw, DatasetTask::specs()));
  EXPECT_EQ(task->name(), "dataset");
  EXPECT_NE(task->describe().find(path), std::string::npos);
  EXPECT_NE(task->describe().find("built from the file"), std::string::npos);
}

}  // namespace
}  // namespace fl
