// Scores in trained copy models (src/theory/trained_scores.h): the (query, source) pairs of copy
// and lookup, the Mamba quantities against closed forms (constant δ, A = −1: α = e^{−δ(i−j)}), the
// Transformer's gap on a uniform-attention model (gap 0, p = 1/(i+1)), the files, and the command.
#include <gtest/gtest.h>

#include <cmath>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "models/mamba.h"
#include "models/transformer.h"
#include "support/fixtures.h"
#include "tasks/copy.h"
#include "tasks/local_dp.h"
#include "tasks/lookup.h"
#include "theory/trained_scores.h"
#include "train/checkpoint.h"

namespace fl::theory {
namespace {

using test_support::error_of;
using test_support::TempDir;

TEST(TrainedScores, CopyQueriesPointAtTheCopiedToken) {
  const CopyTask copy(8, 3, 9);
  const LookupTask lookup(8, 12, 0, 3);
  Rng rng(3, kStreamEvalData);
  for (int k = 0; k < 20; ++k) {
    const Example c = copy.sample(rng), l = lookup.sample(rng);
    const auto cq = copy_queries(copy, c), lq = copy_queries(lookup, l);
    EXPECT_EQ(static_cast<int64_t>(cq.size()), c.size);
    EXPECT_EQ(lq.size(), 3u);
    for (const auto& q : cq) {
      EXPECT_EQ(c.tokens[q.query + 1], c.tokens[q.source]);  // the answer is the source's token
      EXPECT_EQ(q.query - q.source + 1, c.size + 1);
    }
    for (const auto& q : lq) {
      EXPECT_EQ(l.tokens[q.query + 1], l.tokens[q.source]);
      EXPECT_EQ(q.query - q.source + 1, l.size);  // the example's copy distance
    }
  }
  EXPECT_THROW(copy_queries(LocalDpTask(LocalDpTask::Format::Interleaved, 1, 3, 1, 5), Example{}), Error);
}

TEST(TrainedScores, MambaQuantitiesMatchTheClosedForm) {
  const LookupTask task(6, 10, 0, 2);
  ModelConfig c;
  c.family = ModelFamily::mamba, c.d_model = 8, c.n_layer = 2, c.d_state = 3, c.dt_rank = 1, c.vocab_size = task.vocab().size();
  torch::manual_seed(3);
  LanguageModel model(c);
  const double bias = 0.375, delta = std::log1p(std::exp(bias));  // softplus; 0.375 is exact in float32
  {
    torch::NoGradGuard no_grad;
    for (int64_t k = 0; k < 2; ++k) {
      auto& mixer = *dynamic_cast<MambaBlock&>(model->layer(k)).mixer;
      mixer.x_proj->weight.zero_();  // dt_raw = 0 and B = C = 0
      mixer.dt_proj->bias.fill_(bias);
      mixer.A_log.zero_();           // A = −1
    }
  }
  CopyScoreOptions o;
  o.sizes = {5, 8, 12}, o.samples = 2;
  const CopyScores s = measure_copy_scores(model, task, o);
  ASSERT_EQ(s.mamba.size(), 6u);  // 2 layers × 3 distances
  ASSERT_EQ(s.step_decay.size(), 2u);
  EXPECT_NEAR(s.step_decay[0] / std::exp(-delta), 1.0, 1e-10);
  for (const auto& r : s.mamba) {
    const double L = static_cast<double>(r.distance);
    EXPECT_EQ(r.queries, 4);  // 2 examples × 2 queries
    EXPECT_NEAR(r.decay / std::exp(-delta * (L - 1)), 1.0, 1e-10);
    EXPECT_NEAR(r.needed_score / std::exp(delta * (L - 1)), 1.0, 1e-10);
    EXPECT_NEAR(r.bound / r.needed_score, 1.0, 1e-9);
    EXPECT_EQ(r.raw_score, 0.0);
    EXPECT_EQ(r.source_weight, 0.0);
  }
  TempDir dir;
  const auto files = write_copy_scores(s, dir / "out", "mamba_test", "test");
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "mamba_test.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "mamba_test_plot.gp"));
  EXPECT_GE(files.size(), 3u);
  EXPECT_NE(copy_scores_table(s).find("needed 1/alpha"), std::string::npos);
}

TEST(TrainedScores, UniformAttentionHasNoGap) {
  const CopyTask task(6, 2, 8);
  ModelConfig c;
  c.family = ModelFamily::transformer, c.d_model = 8, c.n_head = 2, c.n_layer = 1, c.pos = "none";
  c.vocab_size = task.vocab().size();
  LanguageModel model(c);
  {
    torch::NoGradGuard no_grad;
    auto& attention = *dynamic_cast<TransformerBlock&>(model->layer(0)).mixer;
    attention.in_proj->weight.narrow(0, 0, 16).zero_();  // q and k rows: every logit 0
    attention.in_proj->bias.narrow(0, 0, 16).zero_();
  }
  CopyScoreOptions o;
  o.sizes = {4}, o.samples = 3, o.epsilon = 1e-2;
  const CopyScores s = measure_copy_scores(model, task, o);
  ASSERT_EQ(s.transformer.size(), 1u);
  const auto& r = s.transformer[0];
  EXPECT_EQ(r.distance, 5);
  EXPECT_EQ(r.queries, 12);
  EXPECT_NEAR(r.gap, 0.0, 1e-6);
  // queries i = 5 … 8 (n + k): mean of 1/(i + 1) and of log(i·0.99/0.01)
  double p = 0, need = 0;
  for (int i = 5; i <= 8; ++i) p += 1.0 / (i + 1) / 4, need += std::log(i * 99.0) / 4;
  EXPECT_NEAR(r.source_probability, p, 1e-6);
  EXPECT_NEAR(r.needed_gap, need, 1e-9);
}

TEST(TrainedScores, CommandWritesFilesAndRejectsOtherTasks) {
  TempDir dir;
  auto config = test_support::config_from_json(
      R"({"seed": 2, "task": {"name": "lookup", "length": 8, "queries": 2}, "model": {"type": "mamba", "d_model": 8, "n_layer": 1, "d_state": 2}})");
  torch::manual_seed(2);
  LanguageModel model(config.model);
  save_checkpoint(dir / "m", model, config);
  const auto run = [&](const std::string& flags) {
    CLI::App app;
    auto* theory_cmd = app.add_subcommand("theory");
    cli::add_theory_scores_command(*theory_cmd);
    return error_of([&] { app.parse("theory scores " + flags, false); });
  };
  EXPECT_EQ(run("--checkpoint " + (dir / "m").string() + " --sizes 5,9 --samples 2 --out " + (dir / "out").string()), "");
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "mamba_m.csv"));
  EXPECT_NE(run("--checkpoint " + (dir / "m").string() + " --samples 0").find("--samples"), std::string::npos);
  EXPECT_NE(run("--checkpoint " + (dir / "nothing").string()).find("nothing"), std::string::npos);
  auto dp = test_support::config_from_json(
      R"({"task": {"name": "local_dp"}, "model": {"type": "mamba", "d_model": 8, "n_layer": 1, "d_state": 2}})");
  LanguageModel other(dp.model);
  save_checkpoint(dir / "dp", other, dp);
  EXPECT_NE(run("--checkpoint " + (dir / "dp").string() + " --out " + (dir / "out2").string()).find("copy or lookup"),
            std::string::npos);
}

}  // namespace
}  // namespace fl::theory
