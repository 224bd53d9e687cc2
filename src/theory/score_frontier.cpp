#include "theory/score_frontier.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "theory/one_thread.h"

namespace fl::theory {

namespace {

constexpr double kErased = -50;  // log a of an erased entry: a = e^{−50} ≈ 2e-22
constexpr double kInitRange = 1.5;
constexpr int64_t kChunk = 25;   // L-BFGS iterations between checks of the worst-case error

torch::Tensor uniform_init(Rng& rng, int64_t S) {  // (S, S) uniform in [−1.5, 1.5), platform independent
  auto t = torch::empty({S, S}, torch::kFloat64);
  auto a = t.accessor<double, 2>();
  for (int64_t i = 0; i < S; ++i)
    for (int64_t j = 0; j < S; ++j) a[i][j] = (2 * rng.uniform() - 1) * kInitRange;
  return t;
}

// Rows scaled into the ball of radius √B: √B tanh(|u|) u/|u|.
torch::Tensor into_ball(const torch::Tensor& u, double max_score) {
  const auto norm = u.norm(2, 1, true).clamp_min(1e-12);  // (S, 1)
  return std::sqrt(max_score) * torch::tanh(norm) * u / norm;
}

struct QueryTerms {
  torch::Tensor source, others;  // (Q) w_is, (Q, T) w_ij with the source zeroed
};

QueryTerms query_terms(const torch::Tensor& w, int64_t L) {
  const int64_t T = w.size(0);
  const auto queries = torch::arange(L - 1, T);     // (Q)
  const auto sources = queries - (L - 1);           // (Q)
  const auto rows = w.index_select(0, queries);     // (Q, T)
  const auto pick = torch::zeros_like(rows).scatter_(1, sources.unsqueeze(1), 1.0);
  return {(rows * pick).sum(1), rows * (1 - pick)};
}

// Seed of one restart: a stream per (B, L, restart) under the run's seed.
uint64_t restart_stream(double max_score, int64_t L, int64_t restart) {
  return static_cast<uint64_t>(std::llround(std::log2(max_score) * 1000)) * 1000003ULL + static_cast<uint64_t>(L) * 1009ULL +
         static_cast<uint64_t>(restart);
}

}  // namespace

void validate(const ScoreFrontierOptions& o) {
  require(o.state >= 1 && o.state <= 32, "--frontier-state must be in [1, 32], got " + std::to_string(o.state));
  require(o.decay_cap > 0 && o.decay_cap <= 1, "--frontier-decay must be in (0, 1], got " + std::to_string(o.decay_cap));
  require(o.max_score >= 1 && o.max_score <= 1e12,
          "--frontier-max-score must be in [1, 1e12], got " + std::to_string(o.max_score));
  require(o.restarts >= 1 && o.restarts <= 100, "--frontier-restarts must be in [1, 100], got " + std::to_string(o.restarts));
  require(o.iterations >= 1 && o.iterations <= 100000, "frontier iterations must be in [1, 100000]");
  require(o.epsilon > 0 && o.epsilon < 0.5, "--frontier-epsilon must be in (0, 0.5), got " + std::to_string(o.epsilon));
}

int64_t stream_length(int64_t state, int64_t L) { return L + 2 * state + 2; }

torch::Tensor copy_weights(const SelectiveSsm& ssm, int64_t T) {
  const int64_t S = ssm.c.size(0);
  const auto phase = torch::arange(T) % S;                                  // (T)
  const auto c = ssm.c.index_select(0, phase), b = ssm.b.index_select(0, phase);  // (T, S)
  const auto cum = ssm.log_a.index_select(0, phase).cumsum(0);              // (T, S) Σ_{k≤t} log a_k
  const auto causal = torch::ones({T, T}, torch::kBool).tril();             // (T, T) j ≤ i
  auto log_alpha = cum.unsqueeze(1) - cum.unsqueeze(0);                     // (T, T, S) Σ_{k=j+1..i} log a_k
  log_alpha = log_alpha.masked_fill(causal.logical_not().unsqueeze(2), -std::numeric_limits<double>::infinity());
  return (c.unsqueeze(1) * b.unsqueeze(0) * log_alpha.exp()).sum(2);       // (T, T)
}

double copy_error(const torch::Tensor& w, int64_t L) {
  torch::NoGradGuard no_grad;
  const auto q = query_terms(w, L);
  const auto positive = q.others.clamp_min(0).sum(1), negative = q.others.clamp_max(0).sum(1);  // (Q)
  const auto off = q.source - 1;
  const auto worst = torch::stack({(off + positive).abs(), (off + negative).abs(), positive, -negative}, 1);
  return worst.max().item<double>();
}

int64_t allowed_distance(const FrontierRow& row, int64_t state) {
  const double limit = std::min(row.decay_limit, static_cast<double>(state));
  const int64_t reachable = std::max<int64_t>(0, static_cast<int64_t>(std::floor(limit + 1e-9)));
  return reachable >= 2 ? reachable : 0;
}

double decay_limit(double max_score, double decay_cap, double epsilon) {
  if (decay_cap >= 1) return std::numeric_limits<double>::infinity();
  return 1 + std::log(max_score / (1 - epsilon)) / std::log(1 / decay_cap);
}

SelectiveSsm erase_ring(int64_t S, double decay_cap, double max_score, int64_t L) {
  const double needed = std::pow(decay_cap, -static_cast<double>(L - 1));
  const double score = std::min(needed, max_score);  // c·b at the source; below the need when B is too small
  SelectiveSsm r{torch::zeros({S, S}, torch::kFloat64), torch::zeros({S, S}, torch::kFloat64),
                 torch::full({S, S}, std::log(decay_cap), torch::kFloat64)};
  for (int64_t k = 0; k < S; ++k) {
    r.b[k][k] = std::sqrt(score);                                     // phase k writes slot k
    r.c[k][((k - (L - 1)) % S + S) % S] = std::sqrt(score);           // and reads the slot of k − L + 1
    r.log_a[k][k] = kErased;                                          // erasing it as it writes
  }
  return r;
}

double optimise_copy(const ScoreFrontierOptions& o, double max_score, int64_t L, int64_t* restarts_run) {
  const OneThread one_thread;  // a few hundred numbers per tensor
  const int64_t S = o.state, T = stream_length(S, L);
  const double log_cap = std::log(o.decay_cap);
  double best = std::numeric_limits<double>::infinity();
  int64_t run = 0;
  for (int64_t restart = 0; restart < o.restarts && best > o.epsilon; ++restart, ++run) {
    Rng rng(o.seed, kStreamInit + restart_stream(max_score, L, restart));
    auto u = uniform_init(rng, S).requires_grad_(true), v = uniform_init(rng, S).requires_grad_(true);
    auto theta = uniform_init(rng, S).requires_grad_(true);
    const auto ssm = [&] {
      return SelectiveSsm{into_ball(u, max_score), into_ball(v, max_score),
                          log_cap - torch::softplus(theta)};  // a = ā·e^{−softplus(θ)} ≤ ā
    };
    torch::optim::LBFGS optimiser({u, v, theta}, torch::optim::LBFGSOptions(1)
                                                     .max_iter(kChunk)
                                                     .history_size(20)
                                                     .tolerance_grad(1e-12)
                                                     .tolerance_change(1e-14)
                                                     .line_search_fn("strong_wolfe"));
    const auto closure = [&] {
      optimiser.zero_grad();
      const auto q = query_terms(copy_weights(ssm(), T), L);
      auto loss = (q.source - 1).pow(2).mean() + q.others.pow(2).sum(1).mean();
      loss.backward();
      return loss;
    };
    double error = std::numeric_limits<double>::infinity();
    for (int64_t done = 0; done < o.iterations && !(error <= o.epsilon); done += kChunk) {  // stop once within ε
      optimiser.step(closure);
      error = copy_error(copy_weights(ssm(), T).detach(), L);
    }
    if (std::isfinite(error)) best = std::min(best, error);
  }
  if (restarts_run) *restarts_run = run;
  return best;
}

ScoreFrontier measure_score_frontier(const ScoreFrontierOptions& o) {
  validate(o);
  torch::NoGradGuard outside;  // gradients only inside optimise_copy
  ScoreFrontier f;
  const int64_t max_distance = o.state + 2;  // past the state ceiling S, where every method fails
  int64_t found = 0;  // longest L copied so far: parameters found for a smaller B are valid for a larger one
  for (double B = 1; B <= o.max_score * (1 + 1e-9); B *= 2) {
    FrontierRow row{B, found, 0, decay_limit(B, o.decay_cap, o.epsilon)};
    const auto ring_error = [&](int64_t L) {
      return copy_error(copy_weights(erase_ring(o.state, o.decay_cap, B, L), stream_length(o.state, L)), L);
    };
    for (int64_t L = 2; L <= max_distance && ring_error(L) <= o.epsilon; ++L) row.ring_longest = L;
    for (int64_t L = std::max<int64_t>(2, found + 1); L <= max_distance; ++L) {
      FrontierCell cell{B, L, 0, 0, ring_error(L)};
      {
        torch::AutoGradMode grad(true);
        cell.error = optimise_copy(o, B, L, &cell.restarts);
      }
      f.cells.push_back(cell);
      if (cell.error > o.epsilon) break;
      row.longest = found = L;
    }
    f.rows.push_back(row);
  }
  return f;
}

}  // namespace fl::theory
