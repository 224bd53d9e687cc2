// Mamba's hidden attention: the scores rebuild the selective scan (random inputs and random
// models, float64), match the product formula α_ij = Π_{k=j+1..i} exp(δ_k A) computed by brute
// force, and give the known decay exp(−a δ L) on a hand-set A and δ; `freelunch attention` writes
// its files and rejects bad input with fl::Error.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "render/plot.h"
#include "support/fixtures.h"
#include "theory/hidden_attention.h"
#include "train/checkpoint.h"

namespace fl {
namespace {

using test_support::error_of;
using test_support::TempDir;
using theory::ScanInputs;

ScanInputs random_inputs(int64_t B, int64_t L, int64_t Di, int64_t N, uint64_t seed) {
  torch::manual_seed(seed);
  const auto f64 = torch::kFloat64;
  return {torch::randn({B, L, Di}, f64),                              // x
          torch::softplus(torch::randn({B, L, Di}, f64) - 1.0),       // δ > 0
          torch::randn({B, L, N}, f64), torch::randn({B, L, N}, f64),  // Bm, Cm
          torch::randn({B, L, Di}, f64),                              // z
          -torch::exp(torch::randn({Di, N}, f64) * 0.5),              // A < 0
          torch::randn({Di}, f64)};                                   // D
}

TEST(HiddenAttention, ReproducesTheScanOnRandomInputs) {
  // Shapes include L = 1, odd channel counts and L beyond the fused scan's 64-step chunk.
  const std::vector<std::array<int64_t, 4>> shapes = {{1, 1, 3, 2}, {2, 7, 5, 4}, {1, 33, 16, 16}, {3, 70, 9, 3}};
  for (const auto& [B, L, Di, N] : shapes) {
    const auto s = random_inputs(B, L, Di, N, 7 + L);
    const auto a = theory::hidden_attention(s);
    ASSERT_EQ(a.scores.sizes().vec(), (std::vector<int64_t>{B, Di, L, L}));
    ASSERT_EQ(a.alpha_mean.sizes().vec(), (std::vector<int64_t>{B, L, L}));
    const auto want = theory::scan_output(s);  // (B, L, Di)
    EXPECT_LE(theory::relative_error(theory::attention_output(a, s), want), 1e-10) << B << "x" << L << "x" << Di;
    // Without the gate too (y_i before SiLU(z_i)).
    auto ungated = s;
    ungated.z = torch::Tensor();
    EXPECT_LE(theory::relative_error(theory::attention_output(a, ungated), theory::scan_output(ungated)), 1e-10);
    // Causal: nothing above the diagonal.
    EXPECT_EQ(a.scores.triu(1).abs().max().item<double>(), 0.0);
  }
}

TEST(HiddenAttention, ScoresMatchTheProductFormula) {
  const int64_t B = 2, L = 9, Di = 4, N = 3;
  const auto s = random_inputs(B, L, Di, N, 3);
  const auto a = theory::hidden_attention(s);
  auto delta = s.delta.accessor<double, 3>();
  auto A = s.A.accessor<double, 2>();
  auto Bm = s.Bm.accessor<double, 3>(), Cm = s.Cm.accessor<double, 3>(), mean = a.alpha_mean.accessor<double, 3>();
  auto S = a.scores.accessor<double, 4>();
  double worst = 0;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < L; ++i)
      for (int64_t j = 0; j <= i; ++j) {
        double alpha_sum = 0;
        for (int64_t d = 0; d < Di; ++d) {
          double score = 0;
          for (int64_t n = 0; n < N; ++n) {
            double alpha = 1;
            for (int64_t k = j + 1; k <= i; ++k) alpha *= std::exp(delta[b][k][d] * A[d][n]);
            score += alpha * Cm[b][i][n] * Bm[b][j][n];
            alpha_sum += alpha;
          }
          worst = std::max(worst, std::abs(S[b][d][i][j] - score) / std::max(1.0, std::abs(score)));
        }
        worst = std::max(worst, std::abs(mean[b][i][j] - alpha_sum / (Di * N)));
      }
  EXPECT_LE(worst, 1e-12);
}

TEST(HiddenAttention, DecayProfileOnHandSetDecay) {
  // δ_t[d] = 0.05 (d + 1) at every t, A[d, n] = −(n + 1): α_{i,i−L}[d, n] = exp(−(n + 1) 0.05 (d + 1) L).
  const int64_t L = 30, Di = 3, N = 4;
  auto s = random_inputs(1, L, Di, N, 5);
  s.delta = (0.05 * torch::arange(1, Di + 1, torch::kFloat64)).expand({1, L, Di});
  s.A = -torch::arange(1, N + 1, torch::kFloat64).expand({Di, N});
  const auto profile = theory::distance_profile(theory::hidden_attention(s).alpha_mean);
  ASSERT_EQ(profile.size(), static_cast<size_t>(L));
  for (int64_t distance = 0; distance < L; ++distance) {
    double want = 0;
    for (int64_t d = 0; d < Di; ++d)
      for (int64_t n = 0; n < N; ++n) want += std::exp(-(n + 1) * 0.05 * (d + 1) * distance) / (Di * N);
    EXPECT_NEAR(profile[distance], want, 1e-13 * want) << "distance " << distance;
  }
}

const char* kMamba = R"({"seed": 3, "model": {"type": "mamba", "d_model": 16, "n_layer": 2, "d_state": 4}})";
const char* kGpt = R"({"seed": 3, "model": {"type": "transformer", "d_model": 16, "n_layer": 2, "n_head": 2}})";

LoadedCheckpoint saved_model(const TempDir& dir, const char* json) {
  auto config = test_support::config_from_json(json);
  torch::manual_seed(config.seed);
  LanguageModel model(config.model);
  save_checkpoint(dir.path(), model, config);
  return load_checkpoint(dir.path());
}

TEST(HiddenAttention, ReproducesEveryLayerOfARandomModel) {
  TempDir dir;
  auto ck = saved_model(dir, kMamba);
  const auto tokens = torch::randint(0, ck.config.model.vocab_size, {2, 40}, torch::kInt64);  // (2, 40)
  const auto layers = theory::analyse_hidden_attention(ck.model, tokens);
  ASSERT_EQ(layers.size(), 2u);
  for (const auto& r : layers) {
    EXPECT_LE(r.scan_error, 1e-10) << "layer " << r.layer;
    EXPECT_LE(r.mixer_error, 1e-10) << "layer " << r.layer;
    EXPECT_EQ(r.maps.scores.sizes().vec(), (std::vector<int64_t>{2, ck.config.model.d_inner(), 40, 40}));
    ASSERT_EQ(r.decay.size(), 40u);
    EXPECT_NEAR(r.decay[0], 1.0, 1e-15);
    for (double v : r.decay) EXPECT_TRUE(v > 0 && v <= 1.0) << v;
  }
  // One layer alone gives that layer's numbers.
  const auto only = theory::analyse_hidden_attention(ck.model, tokens, 1);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].layer, 1);
  EXPECT_TRUE(torch::equal(only[0].maps.scores, layers[1].maps.scores));
  EXPECT_THROW(theory::analyse_hidden_attention(ck.model, tokens, 2), Error);
}

TEST(HiddenAttention, TransformerMapsAreCausalDistributions) {
  TempDir dir;
  auto ck = saved_model(dir, kGpt);
  const auto tokens = torch::randint(0, ck.config.model.vocab_size, {1, 12}, torch::kInt64);  // (1, 12)
  const auto maps = theory::transformer_attention_maps(ck.model, tokens);
  ASSERT_EQ(maps.size(), 2u);
  for (const auto& p : maps) {
    ASSERT_EQ(p.sizes().vec(), (std::vector<int64_t>{1, 2, 12, 12}));
    EXPECT_LE((p.sum(-1) - 1).abs().max().item<double>(), 1e-5);
    EXPECT_EQ(p.triu(1).abs().max().item<double>(), 0.0);
  }
  EXPECT_THROW(theory::analyse_hidden_attention(ck.model, tokens), Error);
}

// Runs `freelunch attention ARGS…` in-process.
void run_attention(const std::vector<std::string>& args) {
  CLI::App app;
  cli::add_attention_command(app);
  std::vector<std::string> reversed = {args.rbegin(), args.rend()};
  reversed.push_back("attention");
  app.parse(reversed);
}

class AttentionCommand : public testing::Test {
 protected:
  void SetUp() override {
    saved_model(mamba_, kMamba);
    saved_model(gpt_, kGpt);
  }
  TempDir mamba_, gpt_, out_;
};

TEST_F(AttentionCommand, WritesHeatmapsAndDecayProfile) {
  run_attention({"--checkpoint", mamba_.path().string(), "--compare", gpt_.path().string(), "--input",
                 "$ a b c d | a b c d .", "--out", out_.path().string(), "--channel", "5"});
  std::vector<std::string> stems = {"decay_profile"};
  for (int k = 0; k < 2; ++k) {
    stems.push_back("mamba_layer" + std::to_string(k) + "_mean");
    stems.push_back("mamba_layer" + std::to_string(k) + "_channel5");
    for (int h = 0; h < 2; ++h) stems.push_back("transformer_layer" + std::to_string(k) + "_head" + std::to_string(h));
  }
  for (const auto& stem : stems) {
    EXPECT_TRUE(std::filesystem::exists(out_ / (stem + ".csv"))) << stem;
    if (gnuplot_available()) {
      EXPECT_GT(std::filesystem::file_size(out_ / (stem + ".png")), 0u) << stem;
      EXPECT_TRUE(std::filesystem::exists(out_ / (stem + ".svg"))) << stem;
    }
  }
  EXPECT_TRUE(std::filesystem::exists(out_ / "attention.txt"));
}

TEST_F(AttentionCommand, SampleAndOneLayer) {
  run_attention({"--checkpoint", mamba_.path().string(), "--sample", "--seed", "4", "--size", "3", "--layer", "1",
                 "--out", out_.path().string()});
  EXPECT_TRUE(std::filesystem::exists(out_ / "mamba_layer1_mean.csv"));
  EXPECT_FALSE(std::filesystem::exists(out_ / "mamba_layer0_mean.csv"));
  EXPECT_TRUE(std::filesystem::exists(out_ / "decay_profile.csv"));
}

TEST_F(AttentionCommand, BadInputIsAnError) {
  const std::string m = mamba_.path().string(), g = gpt_.path().string(), o = out_.path().string();
  const std::vector<std::vector<std::string>> bad = {
      {"--checkpoint", (out_ / "missing").string(), "--input", "$ a |", "--out", o},  // no checkpoint
      {"--checkpoint", g, "--input", "$ a |", "--out", o},                            // a Transformer as the Mamba
      {"--checkpoint", m, "--compare", m, "--input", "$ a |", "--out", o},            // a Mamba as the Transformer
      {"--checkpoint", m, "--input", "$ a ? |", "--out", o},                          // unknown token
      {"--checkpoint", m, "--out", o},                                                 // no input
      {"--checkpoint", m, "--input", "$ a |", "--layer", "2", "--out", o},            // no such layer
      {"--checkpoint", m, "--input", "$ a |", "--channel", "32", "--out", o},         // no such channel
  };
  for (const auto& args : bad) EXPECT_THROW(run_attention(args), Error) << args[1] << " " << args[2];
}

// Mamba-2 and linear attention: the per-head maps rebuild the scan and the mixer in float64; the
// decay profile is 1 at distance 0 and within (0, 1]; without decay every α is 1, and RetNet's
// fixed decay gives mean_h γ_h^L at distance L.
TEST(ScanAttention, ReproducesMamba2AndLinearAttentionLayers) {
  for (const char* model_json :
       {R"({"type": "mamba2", "d_model": 16, "n_layer": 2, "d_state": 4, "headdim": 8, "ngroups": 2})",
        R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2, "decay": "none"})",
        R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2, "decay": "fixed"})",
        R"({"type": "linear", "d_model": 16, "n_layer": 2, "n_head": 2, "decay": "gla"})"}) {
    SCOPED_TRACE(model_json);
    TempDir dir;
    auto ck = saved_model(dir, (std::string(R"({"seed": 3, "model": )") + model_json + "}").c_str());
    const ModelConfig& c = ck.config.model;
    const auto tokens = torch::randint(0, c.vocab_size, {2, 24}, torch::kInt64);  // (2, 24)
    const auto layers = theory::analyse_hidden_attention(ck.model, tokens);
    ASSERT_EQ(layers.size(), 2u);
    EXPECT_EQ(theory::attention_units(c), c.family == ModelFamily::mamba2 ? 4 : 2);
    for (const auto& r : layers) {
      EXPECT_LE(r.scan_error, 1e-10) << "layer " << r.layer;
      EXPECT_LE(r.mixer_error, 1e-10) << "layer " << r.layer;
      EXPECT_EQ(r.maps.scores.sizes().vec(), (std::vector<int64_t>{2, theory::attention_units(c), 24, 24}));
      ASSERT_EQ(r.decay.size(), 24u);
      EXPECT_NEAR(r.decay[0], 1.0, 1e-15);
      for (size_t L = 0; L < r.decay.size(); ++L) {
        EXPECT_TRUE(r.decay[L] > 0 && r.decay[L] <= 1.0 + 1e-15) << r.decay[L];
        if (c.decay == "none" && c.family == ModelFamily::linear) {
          EXPECT_NEAR(r.decay[L], 1.0, 1e-15);
        }
        if (c.decay == "fixed" && c.family == ModelFamily::linear) {
          const double x = static_cast<double>(L);
          EXPECT_NEAR(r.decay[L], (std::pow(1 - 1.0 / 32, x) + std::pow(1 - 1.0 / 64, x)) / 2, 1e-12) << L;
        }
      }
    }
  }
}

// A hybrid's Mamba layers are analysed as Mamba's (its attention layers run through, and naming one
// is an error); an LSTM has no hidden attention.
TEST(ScanAttention, AHybridsMambaLayersAndNoLstm) {
  TempDir dir, lstm_dir;
  auto ck = saved_model(dir, R"({"seed": 3, "model": {"type": "hybrid", "d_model": 16, "n_layer": 3, "d_state": 4,
                                 "n_head": 2, "attn_layers": [1]}})");
  const auto tokens = torch::randint(0, ck.config.model.vocab_size, {1, 20}, torch::kInt64);  // (1, 20)
  const auto layers = theory::analyse_hidden_attention(ck.model, tokens);
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].layer, 0);
  EXPECT_EQ(layers[1].layer, 2);
  for (const auto& r : layers) {
    EXPECT_LE(r.scan_error, 1e-10) << "layer " << r.layer;
    EXPECT_LE(r.mixer_error, 1e-10) << "layer " << r.layer;
    EXPECT_EQ(r.maps.scores.size(1), 32);  // Di channels
  }
  EXPECT_TRUE(torch::equal(theory::analyse_hidden_attention(ck.model, tokens, 2)[0].maps.scores, layers[1].maps.scores));
  EXPECT_NE(error_of([&] { theory::analyse_hidden_attention(ck.model, tokens, 1); }).find("attention layers"),
            std::string::npos);
  auto lstm = saved_model(lstm_dir, R"({"seed": 3, "model": {"type": "lstm", "d_model": 8}})");
  EXPECT_THROW(theory::analyse_hidden_attention(lstm.model, torch::zeros({1, 4}, torch::kInt64)), Error);
}

TEST(ScanAttentionCommand, Mamba2HeadsBesideATransformer) {
  TempDir mamba2, gpt, out;
  saved_model(mamba2, R"({"seed": 3, "model": {"type": "mamba2", "d_model": 16, "n_layer": 2, "d_state": 4, "headdim": 8}})");
  saved_model(gpt, kGpt);
  run_attention({"--checkpoint", mamba2.path().string(), "--compare", gpt.path().string(), "--input",
                 "$ a b c | a b c .", "--out", out.path().string(), "--channel", "3"});
  for (const char* stem : {"mamba2_layer0_mean", "mamba2_layer1_head3", "transformer_layer1_head1", "decay_profile"})
    EXPECT_TRUE(std::filesystem::exists(out / (std::string(stem) + ".csv"))) << stem;
  EXPECT_NE(read_file(out / "attention.txt").find("per head"), std::string::npos);
  // Mamba-2 d16 has 4 heads: --channel 4 is out of range.
  EXPECT_THROW(run_attention({"--checkpoint", mamba2.path().string(), "--input", "$ a |", "--channel", "4", "--out",
                              (out / "again").string()}),
               Error);
}

}  // namespace
}  // namespace fl
