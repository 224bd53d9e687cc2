// Feng et al.'s DP tasks (LIS, edit distance, arithmetic): every generated example is parsed back
// into its problem and checked against an independent brute-force solver written here; formats,
// masks, determinism, verifiers, parameter errors and the golden examples of docs/TASKS.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include "core/error.h"
#include "tasks/arithmetic.h"
#include "tasks/edit_distance.h"
#include "tasks/lis.h"
#include "support/fixtures.h"

namespace fl {
namespace {

using test_support::error_of;

using Words = std::vector<std::string>;

Words words(const Task& task, const std::vector<int32_t>& ids) {
  Words out;
  for (auto id : ids) out.push_back(task.vocab().name(id));
  return out;
}

// Splits `w` at every occurrence of `sep` (the separators themselves are dropped).
std::vector<Words> split(const Words& w, const std::string& sep) {
  std::vector<Words> parts(1);
  for (const auto& x : w) {
    if (x == sep)
      parts.emplace_back();
    else
      parts.back().push_back(x);
  }
  return parts;
}

std::vector<int64_t> ints(const Words& w) {
  std::vector<int64_t> out;
  for (const auto& x : w) out.push_back(std::stoll(x));
  return out;
}

void expect_masks(const Example& ex, int64_t prompt_len) {
  ASSERT_EQ(ex.prompt_len, prompt_len);
  ASSERT_EQ(ex.loss_mask.size(), ex.tokens.size());
  ASSERT_EQ(ex.answer_mask.size(), ex.tokens.size());
  for (size_t t = 0; t < ex.tokens.size(); ++t) {
    EXPECT_EQ(ex.loss_mask[t], t >= static_cast<size_t>(prompt_len)) << t;
    EXPECT_EQ(ex.answer_mask[t], t + 2 == ex.tokens.size()) << t;  // the token before <eos>
  }
}

// ---- LIS: brute force over every subsequence (n ≤ 12) ----

// best[i] = the longest strictly increasing subsequence ending at i.
std::vector<int64_t> lis_by_enumeration(const std::vector<int64_t>& a) {
  const int n = static_cast<int>(a.size());
  std::vector<int64_t> best(n, 0);
  for (uint32_t mask = 1; mask < (1u << n); ++mask) {
    std::vector<int64_t> chosen;
    int last = 0;
    for (int i = 0; i < n; ++i)
      if (mask >> i & 1) chosen.push_back(a[i]), last = i;
    if (std::adjacent_find(chosen.begin(), chosen.end(), std::greater_equal<int64_t>()) == chosen.end())
      best[last] = std::max(best[last], static_cast<int64_t>(chosen.size()));
  }
  return best;
}

TEST(LisTask, MatchesBruteForceOnTenThousandInstances) {
  LisTask task(3, 12, "cot", 150);
  Rng rng(11, kStreamTrainData);
  std::set<int64_t> sizes;
  for (int k = 0; k < 10000; ++k) {
    const Example ex = task.sample(rng);
    const int64_t n = ex.size;
    sizes.insert(n);
    const auto parts = split(words(task, ex.tokens), "<sep>");
    ASSERT_EQ(parts.size(), 3u);
    const auto a = ints(parts[0]), dp = ints(parts[1]);
    ASSERT_EQ(static_cast<int64_t>(a.size()), n);
    for (auto v : a) ASSERT_TRUE(v >= n + 1 && v < n + 150) << v;
    const auto best = lis_by_enumeration(a);
    ASSERT_EQ(dp, best);
    ASSERT_EQ(parts[2], (Words{std::to_string(*std::max_element(best.begin(), best.end())), "<eos>"}));
    expect_masks(ex, n + 1);
  }
  EXPECT_EQ(sizes.size(), 10u);  // every n in 3..12
}

TEST(LisTask, DirectFormat) {
  LisTask task(6, 6, "direct", 150);
  Rng rng(3, 0);
  const Example ex = task.sample(rng);
  const auto w = words(task, ex.tokens);
  ASSERT_EQ(w.size(), 9u);  // a_1..a_6 <sep> ans <eos>
  EXPECT_EQ(w[6], "<sep>");
  EXPECT_EQ(w[8], "<eos>");
  const auto best = lis_by_enumeration(ints({w.begin(), w.begin() + 6}));
  EXPECT_EQ(std::stoll(w[7]), *std::max_element(best.begin(), best.end()));
  expect_masks(ex, 7);
  EXPECT_EQ(task.vocab().size(), 3 + 6 + 150);
  EXPECT_EQ(task.vocab().id("57"), 60);
}

TEST(LisTask, PlantsIncreasingRuns) {
  // Feng's distribution: answers are usually longer than in a uniform sequence.
  LisTask task(50, 50, "direct", 150);
  Rng rng(5, 0);
  double mean = 0;
  for (int k = 0; k < 2000; ++k) mean += std::stoll(words(task, task.sample(rng).tokens)[51]) / 2000.0;
  EXPECT_GT(mean, 18.0);  // ~23; a uniform sequence of 50 has an LIS of ~11
}

// ---- Edit distance: memoised recursion over (i, j) ----

using Memo = std::map<std::pair<size_t, size_t>, int64_t>;

int64_t edit_distance(const Words& s, const Words& t, size_t i, size_t j, Memo& memo) {
  if (i == 0) return static_cast<int64_t>(j);
  if (j == 0) return static_cast<int64_t>(i);
  auto it = memo.find({i, j});
  if (it != memo.end()) return it->second;
  const int64_t d = std::min({edit_distance(s, t, i - 1, j, memo) + 2, edit_distance(s, t, i, j - 1, memo) + 2,
                              edit_distance(s, t, i - 1, j - 1, memo) + (s[i - 1] == t[j - 1] ? 0 : 3)});
  return memo[{i, j}] = d;
}

TEST(EditDistanceTask, MatchesMemoisedRecursionOnTenThousandInstances) {
  EditDistanceTask task(4, 10, "cot", 60);
  Rng rng(12, kStreamTrainData);
  std::set<int64_t> sizes;
  std::map<int64_t, int> length_gap;
  for (int k = 0; k < 10000; ++k) {
    const Example ex = task.sample(rng);
    const int64_t n = ex.size;
    sizes.insert(n);
    const auto parts = split(words(task, ex.tokens), "<sep>");
    ASSERT_EQ(parts.size(), 3u);
    const auto strings = split(parts[0], "|");
    ASSERT_EQ(strings.size(), 2u);
    const Words &s = strings[0], &t = strings[1];
    ASSERT_LE(s.size(), t.size());
    ASSERT_NE(s, t);
    ASSERT_TRUE(static_cast<int64_t>(s.size()) == n || static_cast<int64_t>(t.size()) == n);
    for (const auto* str : {&s, &t})
      ASSERT_TRUE(static_cast<int64_t>(str->size()) >= n - 3 && static_cast<int64_t>(str->size()) <= n + 2);
    std::set<std::string> letters(s.begin(), s.end());
    letters.insert(t.begin(), t.end());
    ASSERT_LE(letters.size(), 10u);
    for (const auto& l : letters) ASSERT_TRUE(l.size() == 1 && l[0] >= 'a' && l[0] <= 'z');
    length_gap[static_cast<int64_t>(t.size() - s.size())]++;

    const auto rows = split(parts[1], ",");
    ASSERT_EQ(rows.size(), s.size() + 1);  // every row ends with ","
    ASSERT_TRUE(rows.back().empty());
    Memo memo;
    for (size_t i = 1; i <= s.size(); ++i) {
      const auto row = ints(rows[i - 1]);
      ASSERT_EQ(row.size(), t.size());
      for (size_t j = 1; j <= t.size(); ++j) {
        ASSERT_EQ(row[j - 1], edit_distance(s, t, i, j, memo)) << i << "," << j;
        ASSERT_LE(row[j - 1], EditDistanceTask::max_value(n));
      }
    }
    ASSERT_EQ(parts[2], (Words{std::to_string(edit_distance(s, t, s.size(), t.size(), memo)), "<eos>"}));
    expect_masks(ex, static_cast<int64_t>(s.size() + t.size() + 2));
  }
  EXPECT_EQ(sizes.size(), 7u);   // every n in 4..10
  EXPECT_GT(length_gap[0], 0);   // equal lengths
  EXPECT_GT(length_gap[3], 0);   // n - 3 vs n
  EXPECT_EQ(length_gap.rbegin()->first, 3);  // one of the two strings has length n
}

TEST(EditDistanceTask, DirectFormatAndVocabulary) {
  EditDistanceTask task(6, 6, "direct", 60);
  Rng rng(4, 0);
  const Example ex = task.sample(rng);
  const auto parts = split(words(task, ex.tokens), "<sep>");
  ASSERT_EQ(parts.size(), 2u);
  const auto strings = split(parts[0], "|");
  Memo memo;
  EXPECT_EQ(parts[1], (Words{std::to_string(edit_distance(strings[0], strings[1], strings[0].size(),
                                                          strings[1].size(), memo)),
                             "<eos>"}));
  expect_masks(ex, static_cast<int64_t>(parts[0].size() + 1));
  EXPECT_EQ(task.vocab().size(), 91);  // Feng's vocabulary
  EXPECT_EQ(task.vocab().id("|"), 3);
  EXPECT_EQ(task.vocab().id(","), 4);
  EXPECT_EQ(task.vocab().id("a"), 5);
  EXPECT_EQ(task.vocab().id("z"), 30);
  EXPECT_EQ(task.vocab().id("0"), 31);
  EXPECT_EQ(task.vocab().id("59"), 90);
}

// ---- Arithmetic: our own recursive-descent evaluator, and the step rule on tokens ----

struct Evaluator {
  const Words& w;
  int64_t p;
  size_t at = 0;
  int64_t inverse(int64_t b) const {
    if (b == 0) throw std::runtime_error("division by zero");
    for (int64_t x = 1; x < p; ++x)
      if (x * b % p == 1) return x;
    throw std::runtime_error("no inverse");
  }
  int64_t expr() {
    int64_t v = term();
    while (at < w.size() && (w[at] == "+" || w[at] == "-"))
      v = w[at++] == "+" ? (v + term()) % p : (v - term() + p) % p;
    return v;
  }
  int64_t term() {
    int64_t v = atom();
    while (at < w.size() && (w[at] == "*" || w[at] == "/"))
      v = w[at++] == "*" ? v * atom() % p : v * inverse(atom()) % p;
    return v;
  }
  int64_t atom() {
    if (w.at(at) == "(") {
      ++at;
      const int64_t v = expr();
      if (w.at(at++) != ")") throw std::runtime_error("missing )");
      return v;
    }
    const int64_t v = std::stoll(w.at(at++));
    if (v < 0 || v >= p) throw std::runtime_error("number out of range");
    return v;
  }
};

int64_t evaluate(const Words& w, int64_t p) {
  Evaluator e{w, p};
  const int64_t v = e.expr();
  if (e.at != w.size()) throw std::runtime_error("trailing tokens");
  return v;
}

bool is_num(const std::string& s) { return !s.empty() && std::isdigit(static_cast<unsigned char>(s[0])); }
int prec(const std::string& s) { return s == "+" || s == "-" ? 1 : s == "*" || s == "/" ? 2 : 0; }

// One CoT step by the documented rule, on tokens: the leftmost operator with numbers on both
// sides that binds both (nothing binding at least as tightly on its left, nothing tighter on its
// right); a bracket left around a single number is dropped.
Words rewrite(const Words& w, int64_t p) {
  for (size_t i = 1; i + 1 < w.size(); ++i) {
    if (!prec(w[i]) || !is_num(w[i - 1]) || !is_num(w[i + 1])) continue;
    if (i >= 2 && prec(w[i - 2]) >= prec(w[i])) continue;
    if (i + 2 < w.size() && prec(w[i + 2]) > prec(w[i])) continue;
    Words out(w.begin(), w.begin() + i - 1);
    out.push_back(std::to_string(evaluate({w[i - 1], w[i], w[i + 1]}, p)));
    out.insert(out.end(), w.begin() + i + 2, w.end());
    const size_t r = i - 1;
    if (r >= 1 && r + 1 < out.size() && out[r - 1] == "(" && out[r + 1] == ")") {
      out.erase(out.begin() + r + 1);
      out.erase(out.begin() + r - 1);
    }
    return out;
  }
  throw std::runtime_error("no operation to evaluate");
}

TEST(ArithmeticTask, StepRuleReproducesFengsExample) {
  Words w = {"9", "*", "(", "4", "+", "3", ")", "/", "(", "3", "-", "9", ")"};
  std::string chain;
  while (w.size() > 1) {
    w = rewrite(w, 11);
    for (const auto& x : w) chain += " " + x;
    chain += " =";
  }
  EXPECT_EQ(chain, " 9 * 7 / ( 3 - 9 ) = 8 / ( 3 - 9 ) = 8 / 5 = 6 =");
}

TEST(ArithmeticTask, MatchesOwnEvaluatorOnTenThousandInstances) {
  for (int64_t p : {11, 5}) {
    ArithmeticTask task(1, 6, "cot", p);
    Rng rng(13 + p, kStreamTrainData);
    std::set<int64_t> sizes;
    int bracketed = 0;
    for (int k = 0; k < (p == 11 ? 10000 : 2000); ++k) {
      const Example ex = task.sample(rng);
      sizes.insert(ex.size);
      const Words all = words(task, ex.tokens);
      ASSERT_EQ(all.back(), "<eos>");
      const auto steps = split({all.begin(), all.end() - 1}, "=");
      ASSERT_EQ(static_cast<int64_t>(steps.size()), ex.size + 1);  // the expression, n rewrites
      int64_t ops = 0;
      for (const auto& x : steps[0]) ops += prec(x) > 0, bracketed += x == "(";
      ASSERT_EQ(ops, ex.size);
      const int64_t value = evaluate(steps[0], p);  // throws on a division by 0
      for (size_t s = 1; s < steps.size(); ++s) {
        ASSERT_EQ(steps[s], rewrite(steps[s - 1], p)) << s;
        ASSERT_EQ(evaluate(steps[s], p), value);
      }
      ASSERT_EQ(steps.back(), Words{std::to_string(value)});
      expect_masks(ex, static_cast<int64_t>(steps[0].size() + 1));
    }
    EXPECT_EQ(sizes.size(), 6u);
    EXPECT_GT(bracketed, 1000);
  }
}

TEST(ArithmeticTask, DirectFormatAndVocabulary) {
  ArithmeticTask task(4, 4, "direct", 11);
  Rng rng(6, 0);
  const Example ex = task.sample(rng);
  const Words w = words(task, ex.tokens);
  ASSERT_EQ(w.back(), "<eos>");
  ASSERT_EQ(w[w.size() - 3], "=");
  EXPECT_EQ(std::count(w.begin(), w.end(), "="), 1);
  EXPECT_EQ(std::stoll(w[w.size() - 2]), evaluate({w.begin(), w.end() - 3}, 11));
  expect_masks(ex, static_cast<int64_t>(w.size() - 2));
  EXPECT_EQ(task.vocab().names(), (Words{"<pad>", "<cls>", "<eos>", "+", "-", "*", "/", "(", ")", "=", "0", "1", "2",
                                         "3", "4", "5", "6", "7", "8", "9", "10"}));
}

// ---- All three: determinism, verifiers, parameter errors ----

std::vector<std::unique_ptr<Task>> all_tasks() {
  std::vector<std::unique_ptr<Task>> tasks;
  for (std::string f : {"cot", "direct"}) {
    tasks.push_back(std::make_unique<LisTask>(5, 9, f, 150));
    tasks.push_back(std::make_unique<EditDistanceTask>(4, 7, f, 60));
    tasks.push_back(std::make_unique<ArithmeticTask>(1, 4, f, 11));
  }
  return tasks;
}

TEST(DpTasks, SameSeedSameData) {
  for (const auto& task : all_tasks()) {
    Rng a(9, kStreamTrainData), b(9, kStreamTrainData), c(10, kStreamTrainData);
    bool differs = false;
    for (int i = 0; i < 50; ++i) {
      const auto x = task->sample(a), y = task->sample(b), z = task->sample(c);
      EXPECT_EQ(x.tokens, y.tokens) << task->describe();
      differs |= x.tokens != z.tokens;
    }
    EXPECT_TRUE(differs) << task->describe();
  }
}

TEST(DpTasks, VerifierParsesTheOutput) {
  for (const auto& task : all_tasks()) {
    const bool cot = task->describe().find("(cot)") != std::string::npos;
    Rng rng(21, 0);
    for (int k = 0; k < 200; ++k) {
      const Example ex = task->sample(rng);
      const auto right = task->expected_output(ex);
      const int32_t eos = task->eos_id(), answer = right[right.size() - 2];
      const int32_t other = right[0] + 1 < task->vocab().size() ? right[0] + 1 : right[0] - 1;
      auto v = task->verify(ex, right);
      ASSERT_TRUE(v.answer && v.whole) << task->describe();

      auto wrong_answer = right;
      wrong_answer[right.size() - 2] = answer + 1 < task->vocab().size() ? answer + 1 : answer - 1;
      v = task->verify(ex, wrong_answer);
      EXPECT_FALSE(v.answer || v.whole);

      if (cot && right.size() > 3) {  // a wrong chain-of-thought token, right answer
        auto wrong_step = right;
        wrong_step[0] = other;
        v = task->verify(ex, wrong_step);
        EXPECT_TRUE(v.answer && !v.whole) << task->vocab().render(wrong_step);
        auto shortcut = std::vector<int32_t>{answer, eos};  // the answer without its chain
        v = task->verify(ex, shortcut);
        EXPECT_TRUE(v.answer && !v.whole);
      }
      v = task->verify(ex, {right.begin(), right.end() - 1});  // no <eos>
      EXPECT_FALSE(v.answer || v.whole);
      v = task->verify(ex, {right.begin(), right.begin() + right.size() / 2});  // truncated
      EXPECT_FALSE(v.whole);
      auto stutter = right;  // the answer preceded by a non-separator
      stutter.insert(stutter.end() - 1, answer);
      v = task->verify(ex, stutter);
      EXPECT_FALSE(v.answer || v.whole);
      EXPECT_FALSE(task->verify(ex, {}).answer);
      EXPECT_FALSE(task->verify(ex, {eos}).answer);
      Rng noise(k, 1);  // garbage, ids inside and outside the vocabulary, with and without <eos>
      std::vector<int32_t> garbage;
      for (int i = 0, len = static_cast<int>(noise.uniform_int(0, 40)); i < len; ++i)
        garbage.push_back(static_cast<int32_t>(noise.uniform_int(-5, task->vocab().size() + 50)));
      EXPECT_NO_THROW(task->verify(ex, garbage));
    }
  }
}

TEST(DpTasks, ImpossibleParametersNameTheKey) {
  EXPECT_NE(error_of([] { LisTask(9, 8, "cot", 150); }).find("task.min_n"), std::string::npos);
  EXPECT_NE(error_of([] { LisTask(2, 8, "cot", 150); }).find("task.min_n"), std::string::npos);
  const std::string lis_span = error_of([] { LisTask(10, 200, "cot", 150); });
  EXPECT_NE(lis_span.find("task.n"), std::string::npos);
  EXPECT_NE(lis_span.find("task.value_span"), std::string::npos);
  EXPECT_NE(error_of([] { LisTask(8, 8, "chain", 150); }).find("task.format"), std::string::npos);

  EXPECT_NE(error_of([] { EditDistanceTask(3, 8, "cot", 60); }).find("task.min_n"), std::string::npos);
  EXPECT_NE(error_of([] { EditDistanceTask(9, 8, "cot", 60); }).find("task.min_n"), std::string::npos);
  EXPECT_EQ(error_of([] { EditDistanceTask(19, 19, "cot", 60); }), "");  // 3·19 + 2 = 59 < 60
  const std::string ed_range = error_of([] { EditDistanceTask(20, 20, "cot", 60); });
  EXPECT_NE(ed_range.find("task.n = 20"), std::string::npos) << ed_range;
  EXPECT_NE(ed_range.find("task.num_range"), std::string::npos);
  EXPECT_EQ(error_of([] { EditDistanceTask(20, 20, "cot", 63); }), "");

  EXPECT_NE(error_of([] { ArithmeticTask(1, 4, "cot", 12); }).find("task.modulus"), std::string::npos);
  EXPECT_NE(error_of([] { ArithmeticTask(5, 4, "cot", 11); }).find("task.min_n"), std::string::npos);
  EXPECT_NE(error_of([] { ArithmeticTask(1, 4, "both", 11); }).find("task.format"), std::string::npos);
}

TEST(DpTasks, CreateFromParameters) {
  ParamValues p;
  p.put("task.n", 7);
  p.put("task.min_n", 0);  // 0 = n
  p.put("task.format", "direct");
  p.put("task.value_span", 150);
  p.put("task.num_range", 60);
  p.put("task.modulus", 7);
  for (const auto& task : {LisTask::create(p), EditDistanceTask::create(p), ArithmeticTask::create(p)}) {
    EXPECT_EQ(task->default_eval_sizes(), std::vector<int64_t>{7}) << task->name();
    Rng rng(1, 0);
    EXPECT_EQ(task->sample(rng).size, 7);
  }
  for (auto specs : {LisTask::specs(), EditDistanceTask::specs(), ArithmeticTask::specs()})
    for (const auto& s : specs) EXPECT_EQ(s.key.rfind("task.", 0), 0u) << s.key;
}

// ---- Golden examples: docs/TASKS.md holds them byte for byte ----

std::string golden(const std::string& marker) {
  std::ifstream in(std::string(FREELUNCH_SOURCE_DIR) + "/docs/TASKS.md");
  std::string line;
  while (std::getline(in, line) && line != "<!-- golden: " + marker + " -->") {
  }
  std::getline(in, line);  // the opening fence
  std::string text;
  std::getline(in, text);
  return text;
}

TEST(DpTasks, GoldenExamplesMatchTheDocs) {
  for (std::string f : {"cot", "direct"}) {
    Rng a(2023, 1), b(2023, 2), c(2023, 3);
    LisTask lis(8, 8, f, 150);
    EXPECT_EQ(lis.vocab().render(lis.sample_at(a, 8).tokens), golden("lis " + f));
    EditDistanceTask ed(5, 5, f, 60);
    EXPECT_EQ(ed.vocab().render(ed.sample_at(b, 5).tokens), golden("ed " + f));
    ArithmeticTask arith(4, 4, f, 11);
    EXPECT_EQ(arith.vocab().render(arith.sample_at(c, 4).tokens), golden("arith " + f));
  }
}

}  // namespace
}  // namespace fl
