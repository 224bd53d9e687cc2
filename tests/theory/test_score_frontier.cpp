// Theorem 1 measured (src/theory/score_frontier.h): the weights of the selective family, the
// worst-case error, the two limits every member obeys (decay: B·a^(L−1) ≥ 1 − ε; state: L ≤ S),
// the erase-on-write ring reaching them, and gradient descent finding a feasible copy but never
// beating a limit. Assertions are margins, not float bits.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.h"
#include "support/fixtures.h"
#include "theory/score_frontier.h"

namespace fl::theory {
namespace {

using test_support::error_of;

TEST(ScoreFrontier, WeightsOfAConstantDecayAreGeometric) {
  const double a = 0.7, c = 1.5, b = 0.8;
  const SelectiveSsm one{torch::full({1, 1}, c, torch::kFloat64), torch::full({1, 1}, b, torch::kFloat64),
                         torch::full({1, 1}, std::log(a), torch::kFloat64)};
  const auto w = copy_weights(one, 6);  // (6, 6)
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t j = 0; j < 6; ++j)
      EXPECT_NEAR(w[i][j].item<double>(), j <= i ? c * b * std::pow(a, i - j) : 0.0, 1e-12) << i << "," << j;
}

TEST(ScoreFrontier, WorstCaseErrorOfKnownWeights) {
  auto w = torch::zeros({4, 4}, torch::kFloat64);  // copies distance 2 exactly: w_{i,i−1} = 1
  for (int64_t i = 1; i < 4; ++i) w[i][i - 1] = 1.0;
  EXPECT_NEAR(copy_error(w, 2), 0.0, 1e-15);
  w[3][3] = 0.25, w[3][0] = -0.125;  // the worst case puts the current value on the source's channel
  EXPECT_NEAR(copy_error(w, 2), 0.25, 1e-15);
  w[2][1] = 0.5;  // half the source only
  EXPECT_NEAR(copy_error(w, 2), 0.5, 1e-15);
}

TEST(ScoreFrontier, EraseRingReachesBothLimits) {
  const int64_t S = 4;
  const double a = 0.5, eps = 1e-2;
  for (int64_t L = 2; L <= S; ++L) {
    const double need = std::pow(a, -static_cast<double>(L - 1));
    EXPECT_LT(copy_error(copy_weights(erase_ring(S, a, need, L), stream_length(S, L)), L), 1e-12) << L;
    const double short_score = need / 2;  // B·a^(L−1) = 1/2: the source gets half its weight
    EXPECT_NEAR(copy_error(copy_weights(erase_ring(S, a, short_score, L), stream_length(S, L)), L), 0.5, 1e-9) << L;
    EXPECT_GE(decay_limit(need, a, eps), static_cast<double>(L));
    EXPECT_LT(decay_limit(short_score, a, eps), static_cast<double>(L));
  }
  EXPECT_GT(copy_error(copy_weights(erase_ring(S, a, 1e6, S + 1), stream_length(S, S + 1)), S + 1), 0.5);
  EXPECT_TRUE(std::isinf(decay_limit(4, 1.0, eps)));
}

TEST(ScoreFrontier, GradientDescentCopiesAFeasibleDistance) {
  ScoreFrontierOptions o;
  o.state = 3, o.decay_cap = 0.5, o.restarts = 4, o.epsilon = 0.05;
  int64_t run = 0;
  EXPECT_LE(optimise_copy(o, 16, 3, &run), o.epsilon);  // needs a score of 4 ≤ 16, L = 3 ≤ S
  EXPECT_GE(run, 1);
  EXPECT_LE(optimise_copy(o, 4, 2, &run), o.epsilon);  // a score of 2 ≤ 4
  EXPECT_GE(run, 1);
}

TEST(ScoreFrontier, GradientDescentNeverBeatsTheLimits) {
  ScoreFrontierOptions o;
  o.state = 2, o.decay_cap = 0.5, o.restarts = 1, o.iterations = 100;
  // Decay limit: B·a^(L−1) = 1·0.5, so the source's weight is at most 0.5.
  EXPECT_GE(optimise_copy(o, 1, 2, nullptr), 0.5 - 1e-6);
  // State limit: L = S + 1 needs a rank-(S + 1) block from S entries: error ≥ 1/(S + 1).
  EXPECT_GE(optimise_copy(o, 1024, 3, nullptr), 1.0 / 3 - 1e-6);
}

TEST(ScoreFrontier, FrontierRisesWithTheScoreAndStopsAtTheState) {
  ScoreFrontierOptions o;
  o.state = 2, o.decay_cap = 0.5, o.max_score = 4, o.restarts = 2, o.iterations = 100, o.epsilon = 0.05;
  const ScoreFrontier f = measure_score_frontier(o);
  ASSERT_EQ(f.rows.size(), 3u);  // B = 1, 2, 4
  for (const auto& row : f.rows) {
    const double limit = std::min(row.decay_limit, 2.0);
    EXPECT_LE(static_cast<double>(row.longest), limit + 1e-9) << "B " << row.max_score;
    const int64_t reachable = static_cast<int64_t>(std::floor(limit));
    EXPECT_EQ(row.ring_longest, reachable >= 2 ? reachable : 0) << "B " << row.max_score;
  }
  EXPECT_EQ(f.rows.front().longest, 0);  // B = 1: even L = 2 needs a score of 2
  EXPECT_EQ(f.rows.back().longest, 2);  // L = 2 needs a score of 2 ≤ 4; L = 3 > S
  for (const auto& cell : f.cells) EXPECT_GE(cell.restarts, 1);
}

TEST(ScoreFrontier, BadOptionsNameTheFlag) {
  const auto bad = [](auto change) {
    ScoreFrontierOptions o;
    change(o);
    return error_of([&] { validate(o); });
  };
  EXPECT_NE(bad([](auto& o) { o.state = 0; }).find("--frontier-state"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.decay_cap = 0; }).find("--frontier-decay"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.decay_cap = 1.5; }).find("--frontier-decay"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.max_score = 0.5; }).find("--frontier-max-score"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.restarts = 0; }).find("--frontier-restarts"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.epsilon = 0.7; }).find("--frontier-epsilon"), std::string::npos);
  EXPECT_EQ(bad([](auto&) {}), "");
}

}  // namespace
}  // namespace fl::theory

namespace fl::theory {
namespace {

// Distances start at 2; the state size caps the decay limit; a limit at an integer counts.
TEST(ScoreFrontier, AllowedDistanceIsTheLargestIntegerUnderBothLimits) {
  const auto allowed = [](double decay_limit, int64_t state) {
    FrontierRow row;
    row.decay_limit = decay_limit;
    return allowed_distance(row, state);
  };
  EXPECT_EQ(allowed(1.014, 4), 0);
  EXPECT_EQ(allowed(2.0, 4), 2);
  EXPECT_EQ(allowed(3.014, 4), 3);
  EXPECT_EQ(allowed(7.014, 4), 4);
  EXPECT_EQ(allowed(std::numeric_limits<double>::infinity(), 6), 6);
}

}  // namespace
}  // namespace fl::theory
