// The probe tasks: n-gram lookup (prefix/suffix), lookup by copy distance, multi-query
// associative recall and the m-local DP. Exact formats by token name, masks, determinism,
// brute-force checks of the content, verifiers against corrupted outputs, impossible parameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"
#include "tasks/assoc_recall.h"
#include "tasks/local_dp.h"
#include "tasks/lookup.h"
#include "tasks/ngram_lookup.h"
#include "support/fixtures.h"

namespace fl {
namespace {

using test_support::error_of;

using Mask = std::vector<uint8_t>;

std::vector<std::string> names(const Task& task, const std::vector<int32_t>& ids) {
  std::vector<std::string> out;
  for (auto id : ids) out.push_back(task.vocab().name(id));
  return out;
}

// Defaults of `specs`, with some values replaced.
ParamValues params(const std::vector<ParamSpec>& specs, const std::map<std::string, Json>& set) {
  ParamValues p;
  for (const auto& s : specs) p.put(s.key, set.count(s.key) ? set.at(s.key) : s.default_value);
  return p;
}

// The same number of examples from two fresh Rngs of the same seed are identical.
void expect_deterministic(const Task& task) {
  Rng a(11, kStreamTrainData), b(11, kStreamTrainData), c(12, kStreamTrainData);
  bool differs = false;
  for (int i = 0; i < 50; ++i) {
    const auto x = task.sample(a), y = task.sample(b), z = task.sample(c);
    EXPECT_EQ(x.tokens, y.tokens);
    EXPECT_EQ(x.loss_mask, y.loss_mask);
    differs |= x.tokens != z.tokens;
  }
  EXPECT_TRUE(differs);
}

// Garbage outputs of every length, with ids in and out of the vocabulary: no crash, and only
// the exact expected continuation may count as whole.
void expect_survives_garbage(const Task& task, const Example& ex) {
  Rng rng(5, 0);
  const auto expected = task.expected_output(ex);
  const int64_t v = task.vocab().size();
  for (int i = 0; i < 300; ++i) {
    std::vector<int32_t> junk(rng.uniform_int(0, static_cast<int64_t>(expected.size()) + 3));
    for (auto& t : junk) t = static_cast<int32_t>(rng.uniform_int(-3, v + 3));
    const Verdict verdict = task.verify(ex, junk);
    EXPECT_TRUE(!verdict.whole || junk == expected);
  }
  EXPECT_FALSE(task.verify(ex, {}).answer);
  EXPECT_FALSE(task.verify(ex, {}).whole);
}

// ---------------------------------------------------------------- n-gram lookup

TEST(NgramLookup, PrefixFormatAndMasks) {
  NgramLookupTask task(true, 5, 8, 8, 3, 2);
  Rng rng(1, 0);
  const Example ex = task.sample(rng);
  const auto n = names(task, ex.tokens);
  ASSERT_EQ(n.size(), 1 + 3 + 1 + 8 + 1 + 2 + 1u);  // $ g | x | a .
  EXPECT_EQ(n[0], "$");
  EXPECT_EQ(n[4], "|");
  EXPECT_EQ(n[13], "|");
  EXPECT_EQ(n.back(), ".");
  for (int i : {1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15}) EXPECT_TRUE(n[i] >= "a" && n[i] <= "e") << n[i];
  EXPECT_EQ(ex.prompt_len, 14);
  EXPECT_EQ(ex.size, 8);
  const Mask tail = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
  EXPECT_EQ(ex.loss_mask, tail);
  EXPECT_EQ(ex.answer_mask, tail);
  EXPECT_EQ(task.vocab().names(), (std::vector<std::string>{"*", "$", "|", ".", "a", "b", "c", "d", "e"}));
  EXPECT_EQ(task.name(), "prefix_ngram");
}

TEST(NgramLookup, SuffixFormatAndMasks) {
  NgramLookupTask task(false, 5, 6, 6, 2, 1);
  Rng rng(2, 0);
  const Example ex = task.sample(rng);
  const auto n = names(task, ex.tokens);
  ASSERT_EQ(n.size(), 1 + 6 + 1 + 2 + 1 + 1u);  // $ x | g a .
  EXPECT_EQ(n[0], "$");
  EXPECT_EQ(n[7], "|");
  EXPECT_EQ(n.back(), ".");
  EXPECT_EQ(ex.prompt_len, 10);
  EXPECT_EQ(ex.loss_mask, (Mask{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(ex.answer_mask, ex.loss_mask);
  EXPECT_EQ(task.name(), "suffix_ngram");
}

TEST(NgramLookup, GramIsUniqueAndAnswerIsItsContinuation) {
  for (bool prefix : {true, false}) {
    for (int64_t ngram : {1, 2, 3}) {
      NgramLookupTask task(prefix, ngram == 1 ? 26 : 4, ngram + 2, 24, ngram, 2);  // small alphabets: repeats
      Rng rng(3, static_cast<uint64_t>(ngram));
      for (int i = 0; i < 700; ++i) {
        const Example ex = task.sample(rng);
        const auto& t = ex.tokens;
        const int64_t len = ex.size;
        std::vector<int32_t> x, g, a(t.end() - 3, t.end() - 1);
        if (prefix) {  // $ g | x | a .
          g.assign(t.begin() + 1, t.begin() + 1 + ngram);
          x.assign(t.begin() + 2 + ngram, t.begin() + 2 + ngram + len);
        } else {  // $ x | g a .
          x.assign(t.begin() + 1, t.begin() + 1 + len);
          g.assign(t.begin() + 2 + len, t.begin() + 2 + len + ngram);
        }
        std::vector<int64_t> at;
        for (int64_t s = 0; s + ngram <= len; ++s)
          if (std::equal(g.begin(), g.end(), x.begin() + s)) at.push_back(s);
        ASSERT_EQ(at.size(), 1u) << task.vocab().render(t);
        ASSERT_LE(at[0] + ngram + 2, len);
        EXPECT_EQ(a, std::vector<int32_t>(x.begin() + at[0] + ngram, x.begin() + at[0] + ngram + 2));
      }
    }
  }
}

TEST(NgramLookup, LengthsCoverTheRangeAndDeterministic) {
  NgramLookupTask task(false, 26, 4, 9, 3, 1);
  Rng rng(4, 0);
  std::set<int64_t> seen;
  for (int i = 0; i < 300; ++i) seen.insert(task.sample(rng).size);
  EXPECT_EQ(seen, (std::set<int64_t>{4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(task.default_eval_sizes(), (std::vector<int64_t>{4, 5, 6, 7, 8, 9}));
  expect_deterministic(task);
  expect_deterministic(NgramLookupTask(true, 26, 4, 9, 3, 1));
}

TEST(NgramLookup, VerifierRejectsCorruptedOutputs) {
  for (bool prefix : {true, false}) {
    NgramLookupTask task(prefix, 6, 10, 10, 2, 3);
    Rng rng(6, 0);
    const Example ex = task.sample(rng);
    const auto right = task.expected_output(ex);
    ASSERT_EQ(right.size(), 4u);
    EXPECT_TRUE(task.verify(ex, right).answer);
    EXPECT_TRUE(task.verify(ex, right).whole);
    auto wrong = right;
    wrong[1] = wrong[1] == 4 ? 5 : 4;
    EXPECT_FALSE(task.verify(ex, wrong).answer);
    EXPECT_FALSE(task.verify(ex, wrong).whole);
    EXPECT_FALSE(task.verify(ex, {right.begin(), right.end() - 1}).whole);  // missing EOS
    EXPECT_FALSE(task.verify(ex, {right[0], NgramLookupTask::kEos}).whole);  // truncated
    auto longer = right;
    longer.insert(longer.end() - 1, right[0]);
    EXPECT_FALSE(task.verify(ex, longer).whole);
    expect_survives_garbage(task, ex);
  }
}

TEST(NgramLookup, ImpossibleParametersNameTheKeys) {
  const auto specs = NgramLookupTask::specs();
  const std::string too_short = error_of([&] { NgramLookupTask::create_prefix(params(specs, {{"task.min_len", 3}})); });
  EXPECT_NE(too_short.find("task.min_len"), std::string::npos) << too_short;  // 3 < ngram 3 + answer_len 1
  const std::string crossed = error_of([&] { NgramLookupTask::create_suffix(params(specs, {{"task.min_len", 30}})); });
  EXPECT_NE(crossed.find("task.max_len"), std::string::npos) << crossed;
  // Two letters, unigrams, strings of 40: a letter occurring exactly once is rare.
  const std::string rare = error_of([&] {
    NgramLookupTask::create_prefix(params(specs, {{"task.vocab", 2}, {"task.ngram", 1}, {"task.max_len", 40}}));
  });
  EXPECT_NE(rare.find("task.ngram"), std::string::npos) << rare;
  EXPECT_NE(rare.find("task.vocab"), std::string::npos) << rare;
  EXPECT_EQ(NgramLookupTask::create_prefix(params(specs, {}))->name(), "prefix_ngram");
  EXPECT_EQ(NgramLookupTask::create_suffix(params(specs, {}))->name(), "suffix_ngram");
}

// ---------------------------------------------------------------- lookup

TEST(Lookup, FormatAndMasks) {
  LookupTask task(4, 5, 6, 2);  // n = 5, L = 6: queries @2 and @4
  Rng rng(1, 0);
  const Example ex = task.sample(rng);
  const auto n = names(task, ex.tokens);
  ASSERT_EQ(n.size(), 12u);  // $ x1..x5 | @2 a @4 a .
  EXPECT_EQ(n[0], "$");
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(n[i][0], 'v');
  EXPECT_EQ(n[6], "|");
  EXPECT_EQ(n[7], "@2");
  EXPECT_EQ(n[8], n[2]);
  EXPECT_EQ(n[9], "@4");
  EXPECT_EQ(n[10], n[4]);
  EXPECT_EQ(n[11], ".");
  EXPECT_EQ(ex.prompt_len, 7);
  EXPECT_EQ(ex.size, 6);
  EXPECT_EQ(ex.loss_mask, (Mask{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1}));
  EXPECT_EQ(ex.answer_mask, (Mask{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0}));
  EXPECT_FALSE(ex.free_form());
  EXPECT_EQ(task.vocab().names(),
            (std::vector<std::string>{"*", "$", "|", ".", "v0", "v1", "v2", "v3", "@1", "@2", "@3", "@4", "@5"}));
}

TEST(Lookup, EveryQueryCopiesFromExactlyDistanceL) {
  LookupTask task(8, 20, 0, 3);
  EXPECT_EQ(task.min_distance(), 7);
  EXPECT_EQ(task.max_distance(), 22);
  Rng rng(2, 0);
  for (int64_t L = task.min_distance(); L <= task.max_distance(); ++L) {
    for (int i = 0; i < 20; ++i) {
      const Example ex = task.sample_at(rng, L);
      EXPECT_EQ(ex.size, L);
      int answers = 0;
      for (size_t t = ex.prompt_len; t < ex.tokens.size(); ++t) {
        if (!ex.answer_mask[t]) continue;
        ++answers;
        const std::string query = task.vocab().name(ex.tokens[t - 1]);
        ASSERT_EQ(query[0], '@');
        const int64_t p = std::stoll(query.substr(1));
        EXPECT_EQ(static_cast<int64_t>(t) - p, L);  // the answer is written L positions after its source
        EXPECT_EQ(ex.tokens[t], ex.tokens[p]);     // and is the token there (x_p sits at index p)
      }
      EXPECT_EQ(answers, 3);
    }
  }
}

TEST(Lookup, DistancesAndDeterminism) {
  LookupTask uniform(16, 32, 0, 4);
  EXPECT_EQ(uniform.default_eval_sizes(), (std::vector<int64_t>{9, 16, 32, 34}));
  Rng rng(3, 0);
  std::map<int64_t, int> counts;
  for (int i = 0; i < 2600; ++i) counts[uniform.sample(rng).size]++;
  ASSERT_EQ(counts.size(), 26u);  // 9..34
  for (const auto& [d, c] : counts) EXPECT_NEAR(c, 100, 45) << d;
  LookupTask fixed(16, 32, 12, 4);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(fixed.sample(rng).size, 12);
  EXPECT_EQ(fixed.default_eval_sizes(), (std::vector<int64_t>{9, 12, 16, 32, 34}));
  expect_deterministic(uniform);
}

TEST(Lookup, VerifierRejectsCorruptedOutputs) {
  LookupTask task(5, 10, 0, 3);
  Rng rng(4, 0);
  const Example ex = task.sample(rng);
  const auto right = task.expected_output(ex);  // @p a @p a @p a .
  ASSERT_EQ(right.size(), 7u);
  EXPECT_TRUE(task.verify(ex, right).answer);
  EXPECT_TRUE(task.verify(ex, right).whole);
  auto wrong = right;
  wrong[3] = wrong[3] == task.value_id(0) ? task.value_id(1) : task.value_id(0);
  EXPECT_FALSE(task.verify(ex, wrong).answer);
  EXPECT_FALSE(task.verify(ex, wrong).whole);
  auto no_eos = right;
  no_eos.back() = task.value_id(0);
  EXPECT_TRUE(task.verify(ex, no_eos).answer);  // every answer right, but no "."
  EXPECT_FALSE(task.verify(ex, no_eos).whole);
  EXPECT_FALSE(task.verify(ex, {right.begin(), right.end() - 1}).whole);
  EXPECT_FALSE(task.verify(ex, {right[0], right[1], right[2], LookupTask::kEos}).answer);  // early EOS
  auto other_query = right;
  other_query[0] = other_query[0] == task.position_id(1) ? task.position_id(2) : task.position_id(1);
  EXPECT_FALSE(task.verify(ex, other_query).answer);  // not the environment's query
  expect_survives_garbage(task, ex);
}

TEST(Lookup, ImpossibleParametersNameTheKeys) {
  const auto specs = LookupTask::specs();
  const std::string many =
      error_of([&] { LookupTask::create(params(specs, {{"task.length", 6}, {"task.queries", 4}})); });
  EXPECT_NE(many.find("task.length"), std::string::npos) << many;
  EXPECT_NE(many.find("task.queries"), std::string::npos) << many;
  EXPECT_NE(error_of([&] { LookupTask::create(params(specs, {{"task.distance", 5}})); }).find("task.distance"),
            std::string::npos);  // below 2*4+1
  EXPECT_NE(error_of([&] { LookupTask::create(params(specs, {{"task.distance", 35}})); }).find("task.distance"),
            std::string::npos);  // above 32+2
  EXPECT_EQ(error_of([&] { LookupTask::create(params(specs, {{"task.length", 7}, {"task.queries", 4}})); }), "");
  LookupTask task(4, 10, 0, 2);
  Rng rng(1, 0);
  EXPECT_THROW(task.sample_at(rng, 4), Error);
  EXPECT_THROW(task.sample_at(rng, 13), Error);
}

// ---------------------------------------------------------------- associative recall

TEST(AssocRecall, FormatAndMasks) {
  AssocRecallTask task(16, 3, 3, 2, 0);
  Rng rng(1, 0);
  const Example ex = task.sample(rng);
  const auto n = names(task, ex.tokens);
  ASSERT_EQ(n.size(), 13u);  // $ k v k v k v | k v k v .
  EXPECT_EQ(n[0], "$");
  for (int i : {1, 3, 5, 8, 10}) EXPECT_EQ(n[i][0], 'k') << i;
  for (int i : {2, 4, 6, 9, 11}) EXPECT_EQ(n[i][0], 'v') << i;
  EXPECT_EQ(n[7], "|");
  EXPECT_EQ(n[12], ".");
  EXPECT_EQ(ex.prompt_len, 8);
  EXPECT_EQ(ex.size, 3);
  EXPECT_EQ(ex.loss_mask, (Mask{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1}));
  EXPECT_EQ(ex.answer_mask, (Mask{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0}));
  EXPECT_EQ(task.vocab().size(), 5 + 16);
  EXPECT_EQ(task.vocab().name(task.key_id(7)), "k7");
  EXPECT_EQ(task.vocab().name(task.value_id(0)), "v0");
}

TEST(AssocRecall, KeysDistinctQueriesAskedEarlierKeysAnswersRight) {
  const int64_t gap = 3;
  AssocRecallTask task(20, 1, 10, 0, gap);
  Rng rng(2, 0);
  std::set<int64_t> gaps_seen;
  for (int i = 0; i < 2000; ++i) {
    const Example ex = task.sample(rng);
    const auto n = names(task, ex.tokens);
    std::map<std::string, std::string> value_of;
    std::set<std::string> values;
    for (int64_t t = 1; t + 1 < ex.prompt_len; t += 2) {
      ASSERT_EQ(n[t][0], 'k');
      ASSERT_EQ(n[t + 1][0], 'v');
      EXPECT_TRUE(value_of.emplace(n[t], n[t + 1]).second) << "repeated key " << n[t];
      EXPECT_TRUE(values.insert(n[t + 1]).second) << "repeated value " << n[t + 1];
    }
    ASSERT_EQ(static_cast<int64_t>(value_of.size()), ex.size);
    std::set<std::string> asked;
    int64_t fillers = 0;
    for (size_t t = ex.prompt_len; t + 1 < n.size(); ++t) {
      if (n[t] == "_") {
        EXPECT_EQ(ex.loss_mask[t], 0);
        ++fillers;
      } else if (n[t][0] == 'k') {
        EXPECT_EQ(ex.loss_mask[t], 0);
        ASSERT_TRUE(value_of.count(n[t])) << "query of a key that never appeared";
        EXPECT_TRUE(asked.insert(n[t]).second);
        EXPECT_EQ(n[t + 1], value_of[n[t]]);
        EXPECT_EQ(ex.loss_mask[t + 1], 1);
        EXPECT_EQ(ex.answer_mask[t + 1], 1);
        EXPECT_LE(fillers, gap);
        gaps_seen.insert(fillers);
        fillers = 0;
        ++t;
      } else {
        ADD_FAILURE() << "unexpected token " << n[t];
      }
    }
    EXPECT_EQ(asked.size(), value_of.size());  // queries 0 = every key once
    EXPECT_EQ(n.back(), ".");
    EXPECT_EQ(ex.loss_mask.back(), 1);
  }
  EXPECT_EQ(gaps_seen, (std::set<int64_t>{0, 1, 2, 3}));
  expect_deterministic(task);
}

TEST(AssocRecall, VerifierRejectsCorruptedOutputs) {
  AssocRecallTask task(32, 5, 5, 3, 2);
  Rng rng(3, 0);
  const Example ex = task.sample(rng);
  const auto right = task.expected_output(ex);
  EXPECT_TRUE(task.verify(ex, right).answer);
  EXPECT_TRUE(task.verify(ex, right).whole);
  size_t first_answer = 0;
  while (!ex.answer_mask[ex.prompt_len + first_answer]) ++first_answer;
  auto wrong = right;
  wrong[first_answer] = wrong[first_answer] == task.value_id(0) ? task.value_id(1) : task.value_id(0);
  EXPECT_FALSE(task.verify(ex, wrong).answer);
  EXPECT_FALSE(task.verify(ex, wrong).whole);
  auto early = std::vector<int32_t>(right.begin(), right.begin() + first_answer);
  early.push_back(AssocRecallTask::kEos);
  EXPECT_FALSE(task.verify(ex, early).answer);  // EOS at an answer position ends it
  auto no_eos = right;
  no_eos.back() = task.value_id(0);
  EXPECT_TRUE(task.verify(ex, no_eos).answer);
  EXPECT_FALSE(task.verify(ex, no_eos).whole);
  EXPECT_FALSE(task.verify(ex, {right.begin(), right.end() - 1}).whole);
  expect_survives_garbage(task, ex);
}

TEST(AssocRecall, ImpossibleParametersNameTheKeys) {
  const auto specs = AssocRecallTask::specs();
  EXPECT_NE(error_of([&] { AssocRecallTask::create(params(specs, {{"task.vocab", 10}, {"task.pairs", 6}})); })
                .find("task.vocab"),
            std::string::npos);
  EXPECT_NE(error_of([&] { AssocRecallTask::create(params(specs, {{"task.queries", 2}})); }).find("task.queries"),
            std::string::npos);  // more queries than min_pairs = 1
  EXPECT_NE(error_of([&] { AssocRecallTask::create(params(specs, {{"task.min_pairs", 9}})); }).find("task.min_pairs"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { AssocRecallTask::create(params(specs, {{"task.vocab", 12}, {"task.pairs", 6}})); }), "");
}

// ---------------------------------------------------------------- local DP

// The recurrence written independently: a zero-padded array, dp_i = dp_{i-1} + dp_{i-m} + s_i mod p.
std::vector<int64_t> reference_dp(const std::vector<int64_t>& s, int64_t m, int64_t p) {
  std::vector<int64_t> padded(static_cast<size_t>(m) + s.size(), 0);  // padded[m - 1 + i] = dp_i, dp_{≤0} = 0
  for (size_t i = 1; i <= s.size(); ++i) {
    const size_t at = static_cast<size_t>(m) - 1 + i;
    padded[at] = (padded[at - 1] + padded[at - static_cast<size_t>(m)] + s[i - 1]) % p;
  }
  return {padded.begin() + m, padded.end()};
}

// Inputs and results of an example, read back from token names ("s3" input, "3" result).
void parse_dp(const Task& task, const Example& ex, std::vector<int64_t>& inputs, std::vector<int64_t>& results) {
  inputs.clear(), results.clear();
  for (const auto& name : names(task, ex.tokens)) {
    if (name[0] == 's') inputs.push_back(std::stoll(name.substr(1)));
    if (std::isdigit(static_cast<unsigned char>(name[0]))) results.push_back(std::stoll(name));
  }
}

TEST(LocalDp, ExactFormats) {
  LocalDpTask inter(LocalDpTask::Format::Interleaved, 3, 3, 2, 10), prefix(LocalDpTask::Format::Prefix, 3, 3, 2, 10);
  Rng a(1, 0), b(1, 0);
  const Example x = inter.sample(a), y = prefix.sample(b);
  const auto nx = names(inter, x.tokens), ny = names(prefix, y.tokens);
  // $ s_1 dp_1 s_2 dp_2 s_3 dp_3 .
  ASSERT_EQ(nx.size(), 8u);
  const std::vector<std::string> sx = {nx[1], nx[3], nx[5]}, dx = {nx[2], nx[4], nx[6]};
  EXPECT_EQ(nx[0], "$");
  EXPECT_EQ(nx[7], ".");
  const int64_t s1 = std::stoll(sx[0].substr(1)), s2 = std::stoll(sx[1].substr(1)), s3 = std::stoll(sx[2].substr(1));
  const int64_t d1 = s1 % 10, d2 = (d1 + s2) % 10, d3 = (d2 + d1 + s3) % 10;  // m = 2
  EXPECT_EQ(dx, (std::vector<std::string>{std::to_string(d1), std::to_string(d2), std::to_string(d3)}));
  EXPECT_EQ(x.prompt_len, 1);
  EXPECT_EQ(x.loss_mask, (Mask{0, 0, 1, 0, 1, 0, 1, 1}));
  EXPECT_EQ(x.answer_mask, (Mask{0, 0, 0, 0, 0, 0, 1, 0}));
  // $ s_1 s_2 s_3 | dp_1 dp_2 dp_3 .
  EXPECT_EQ(ny, (std::vector<std::string>{"$", sx[0], sx[1], sx[2], "|", dx[0], dx[1], dx[2], "."}));
  EXPECT_EQ(y.prompt_len, 5);
  EXPECT_EQ(y.loss_mask, (Mask{0, 0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(y.answer_mask, (Mask{0, 0, 0, 0, 0, 0, 0, 1, 0}));
  EXPECT_TRUE(y.free_form());
  EXPECT_FALSE(x.free_form());
  EXPECT_EQ(inter.vocab().names().size(), 4 + 2 * 10u);
  EXPECT_EQ(inter.vocab().name(inter.input_id(3)), "s3");
  EXPECT_EQ(inter.vocab().name(inter.result_id(3)), "3");
}

TEST(LocalDp, MatchesAnIndependentRecurrenceOnManyInstances) {
  Rng pick(2, 0);
  int checked = 0;
  for (int config = 0; config < 40; ++config) {
    const int64_t m = pick.uniform_int(1, 5), p = pick.uniform_int(2, 13);
    LocalDpTask inter(LocalDpTask::Format::Interleaved, 1, 9, m, p), prefix(LocalDpTask::Format::Prefix, 1, 9, m, p);
    Rng a(100 + config, 0), b(100 + config, 0);
    for (int i = 0; i < 130; ++i) {
      const Example x = inter.sample(a), y = prefix.sample(b);
      std::vector<int64_t> sx, dx, sy, dy;
      parse_dp(inter, x, sx, dx);
      parse_dp(prefix, y, sy, dy);
      ASSERT_EQ(static_cast<int64_t>(sx.size()), x.size);
      EXPECT_EQ(sx, sy);  // the same draws encode the same problem
      EXPECT_EQ(dx, reference_dp(sx, m, p)) << inter.vocab().render(x.tokens);
      EXPECT_EQ(dy, reference_dp(sy, m, p)) << prefix.vocab().render(y.tokens);
      for (int64_t s : sx) EXPECT_LT(s, p);
      EXPECT_TRUE(inter.verify(x, inter.expected_output(x)).whole);
      EXPECT_TRUE(prefix.verify(y, prefix.expected_output(y)).whole);
      checked += 2;
    }
  }
  EXPECT_GE(checked, 10000);
}

TEST(LocalDp, SizesAndDeterminism) {
  LocalDpTask task(LocalDpTask::Format::Prefix, 2, 6, 3, 7);
  EXPECT_EQ(task.default_eval_sizes(), (std::vector<int64_t>{2, 3, 4, 5, 6}));
  Rng rng(3, 0);
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) seen.insert(task.sample(rng).size);
  EXPECT_EQ(seen, (std::set<int64_t>{2, 3, 4, 5, 6}));
  expect_deterministic(task);
  expect_deterministic(LocalDpTask(LocalDpTask::Format::Interleaved, 2, 6, 3, 7));
}

TEST(LocalDp, InterleavedVerifier) {
  LocalDpTask task(LocalDpTask::Format::Interleaved, 5, 5, 2, 10);
  Rng rng(4, 0);
  const Example ex = task.sample(rng);
  const auto right = task.expected_output(ex);  // s dp s dp s dp s dp s dp .
  ASSERT_EQ(right.size(), 11u);
  EXPECT_TRUE(task.verify(ex, right).answer);
  EXPECT_TRUE(task.verify(ex, right).whole);
  const auto flip = [&](int32_t t) { return t == task.result_id(0) ? task.result_id(1) : task.result_id(0); };
  auto middle = right;
  middle[3] = flip(middle[3]);  // dp_2 wrong, dp_5 right
  EXPECT_TRUE(task.verify(ex, middle).answer);
  EXPECT_FALSE(task.verify(ex, middle).whole);
  auto last = right;
  last[9] = flip(last[9]);
  EXPECT_FALSE(task.verify(ex, last).answer);
  EXPECT_FALSE(task.verify(ex, last).whole);
  EXPECT_FALSE(task.verify(ex, {right[0], right[1], right[2], LocalDpTask::kEos}).answer);  // early EOS
  auto no_eos = right;
  no_eos.back() = task.result_id(0);
  EXPECT_TRUE(task.verify(ex, no_eos).answer);
  EXPECT_FALSE(task.verify(ex, no_eos).whole);
  EXPECT_FALSE(task.verify(ex, {right.begin(), right.end() - 1}).whole);
  expect_survives_garbage(task, ex);
}

TEST(LocalDp, PrefixVerifier) {
  LocalDpTask task(LocalDpTask::Format::Prefix, 5, 5, 3, 10);
  Rng rng(5, 0);
  const Example ex = task.sample(rng);
  const auto right = task.expected_output(ex);  // dp_1 … dp_5 .
  ASSERT_EQ(right.size(), 6u);
  EXPECT_TRUE(task.verify(ex, right).answer);
  EXPECT_TRUE(task.verify(ex, right).whole);
  const auto flip = [&](int32_t t) { return t == task.result_id(0) ? task.result_id(1) : task.result_id(0); };
  auto middle = right;
  middle[1] = flip(middle[1]);
  EXPECT_TRUE(task.verify(ex, middle).answer);
  EXPECT_FALSE(task.verify(ex, middle).whole);
  auto last = right;
  last[4] = flip(last[4]);
  EXPECT_FALSE(task.verify(ex, last).answer);
  EXPECT_FALSE(task.verify(ex, last).whole);
  const std::vector<int32_t> direct = {right[4], LocalDpTask::kEos};  // only the answer
  EXPECT_TRUE(task.verify(ex, direct).answer);
  EXPECT_FALSE(task.verify(ex, direct).whole);
  EXPECT_FALSE(task.verify(ex, {right.begin(), right.end() - 1}).answer);  // missing EOS
  EXPECT_FALSE(task.verify(ex, {LocalDpTask::kEos}).answer);
  auto input_token = right;
  input_token[0] = task.input_id(2);  // not a result: the chain does not parse
  EXPECT_FALSE(task.verify(ex, input_token).answer);
  expect_survives_garbage(task, ex);
}

TEST(LocalDp, ImpossibleParametersNameTheKeys) {
  const auto specs = LocalDpTask::specs();
  EXPECT_NE(error_of([&] { LocalDpTask::create(params(specs, {{"task.min_n", 20}})); }).find("task.min_n"),
            std::string::npos);
  EXPECT_NE(error_of([&] { LocalDpTask::create(params(specs, {{"task.format", "suffix"}})); }).find("task.format"),
            std::string::npos);
  EXPECT_EQ(LocalDpTask::create(params(specs, {{"task.format", "prefix"}}))->name(), "local_dp");
}

}  // namespace
}  // namespace fl
