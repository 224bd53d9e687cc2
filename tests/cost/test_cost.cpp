// The cost engine (src/cost/, docs/COST.md):
//   - analytic FLOPs of tiny models against counts done by hand, and the weight products against
//     2 × the model's own weight matrices; the closed-form total against the sum of the steps;
//   - state bytes: analytic == measured from the step engine's caches == the libtorch caches ==
//     LanguageModel::state_bytes, for every family, at many positions; flat per token for Mamba
//     and the window, also after fast-forwarding to 16,384;
//   - fast-forwarding a cache reproduces genuine stepping bit for bit where that is checkable
//     (all tokens equal, no positions, one layer);
//   - the time interpolation and its sum, log-log slopes and their labels;
//   - `cost --quick` writes its files with the expected slopes; bad flags are fl::Error.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "cost/analytic_cost.h"
#include "cost/cost_report.h"
#include "cost/measured_cost.h"
#include "infer/step_engine.h"
#include "models/lm.h"
#include "support/fixtures.h"

namespace fl {
namespace {

using cost::OpKind;

ModelConfig tiny(ModelFamily family, int64_t d_model, int64_t n_layer, int64_t window = 0) {
  ModelConfig c;
  c.family = family;
  c.vocab_size = 5;
  c.d_model = d_model;
  c.n_layer = n_layer;
  c.n_head = 2;
  c.d_state = 2;
  c.d_conv = 2;
  c.dt_rank = 1;
  c.window = window;
  return c;
}

// A hybrid of n_layer blocks whose layer 1 is attention (the others Mamba).
ModelConfig tiny_hybrid(int64_t d_model, int64_t n_layer, int64_t window = 0) {
  ModelConfig c = tiny(ModelFamily::hybrid, d_model, n_layer, window);
  c.attn_layers = {1};
  return c;
}

// An LSTM of n_layer blocks with hidden size `hidden` (≠ d_model, so the two letters stay apart).
ModelConfig tiny_lstm(int64_t d_model, int64_t n_layer, int64_t hidden) {
  ModelConfig c = tiny(ModelFamily::lstm, d_model, n_layer);
  c.lstm_hidden = hidden;
  return c;
}

// A Mamba-2 of n_layer blocks: Di = 2·d_model, head dimension 4, `groups` groups of B and C.
ModelConfig tiny_mamba2(int64_t d_model, int64_t n_layer, int64_t groups = 1) {
  ModelConfig c = tiny(ModelFamily::mamba2, d_model, n_layer);
  c.headdim = 4;
  c.ngroups = groups;
  return c;
}

// Linear attention of n_layer blocks (2 heads) with the given decay.
ModelConfig tiny_linear(int64_t d_model, int64_t n_layer, const std::string& decay) {
  ModelConfig c = tiny(ModelFamily::linear, d_model, n_layer);
  c.decay = decay;
  return c;
}

// libtorch on one thread for the guard's lifetime.
class OneThread {
 public:
  OneThread() { at::set_num_threads(1); }
  ~OneThread() { at::set_num_threads(saved_); }

 private:
  int saved_ = at::get_num_threads();
};

LanguageModel build(const ModelConfig& c) {
  torch::manual_seed(3);
  LanguageModel model(c);
  model->eval();
  return model;
}

// ---------------------------------------------------------------------------------------------
// Analytic FLOPs

// D 4, Di 8, N 2, K 2, R 1, V 5, one layer, RMSNorm. Block: norm 4·4 = 16, in_proj 2·4·16 = 128,
// conv 2·2·8 + 8 = 40, silu 8, x_proj 2·8·(1 + 4) = 80, dt_proj 2·1·8 = 16, dt bias + softplus 16,
// scan 7·8·2 = 112, gate 4·8 = 32, out_proj 2·8·4 = 64, residual 4: 516. Frame: norm_f 16,
// head 2·4·5 = 40: 56. Total 572 at every position.
TEST(AnalyticCost, TinyMambaCountedByHand) {
  const auto c = tiny(ModelFamily::mamba, 4, 1);
  for (int64_t t : {0, 1, 1000, 65536}) EXPECT_EQ(cost::flops_per_token(c, t), 572) << "t = " << t;
  EXPECT_EQ(cost::flops_per_token(c, 7, OpKind::mixer), 112);
  EXPECT_EQ(cost::flops_per_token(c, 7, OpKind::matmul), 128 + 80 + 16 + 64 + 40);
  EXPECT_DOUBLE_EQ(cost::total_flops(c, 10), 5720);
}

// D 4, H 2 (hd 2), F 16, V 5, RoPE, one layer. Fixed: norm 16, in_proj 2·4·12 = 96, in_bias 12,
// rope 6·4 = 24, out_proj 32, out_bias + residual 8, norm2 16, fc1 128, fc1 bias + gelu 32,
// fc2 128, fc2 bias + residual 8: 500. Per attended key: q·k 8, softmax 6·2 = 12, p·v 8: 28.
// Frame: rope angles 3·2/2 = 3, norm_f 16, head 40: 59. So 559 + 28·n, n = min(t + 1, W).
TEST(AnalyticCost, TinyTransformerCountedByHand) {
  const auto full = tiny(ModelFamily::transformer, 4, 1), window = tiny(ModelFamily::transformer, 4, 1, 4);
  EXPECT_EQ(cost::flops_per_token(full, 0), 587);
  EXPECT_EQ(cost::flops_per_token(full, 9), 839);
  EXPECT_EQ(cost::flops_per_token(window, 2), 643);
  EXPECT_EQ(cost::flops_per_token(window, 9), 671);
  EXPECT_EQ(cost::flops_per_token(window, 9000), 671);
  EXPECT_EQ(cost::flops_per_token(full, 9, OpKind::mixer), 280);
  // Σ_{t<3} = 3·559 + 28·(1 + 2 + 3)
  EXPECT_DOUBLE_EQ(cost::total_flops(full, 3), 3 * 559 + 28 * 6);
  // Without RoPE (24 + 3 angles): ALiBi adds 2·H = 4 per attended key, Hard-ALiBi nothing.
  auto alibi = full, hard = full;
  alibi.pos = "alibi", hard.pos = "hard_alibi";
  EXPECT_EQ(cost::flops_per_token(alibi, 9), 839 - 27 + 4 * 10);
  EXPECT_EQ(cost::flops_per_token(hard, 9), 839 - 27);
}

// A hybrid's blocks are costed by their own families: a Mamba block (516, above), a Transformer
// block (500 + 28·n, above) and the frame with RoPE angles (59).
TEST(AnalyticCost, TinyHybridIsTheSumOfItsBlocks) {
  const auto c = tiny_hybrid(4, 2);
  for (int64_t t : {0, 9}) EXPECT_EQ(cost::flops_per_token(c, t), 516 + 500 + 28 * (t + 1) + 59) << t;
  EXPECT_EQ(cost::block_ops(c, 0, 3).size(), cost::block_ops(tiny(ModelFamily::mamba, 4, 1), 0, 3).size());
  EXPECT_EQ(cost::layer_state_bytes(c, 0, 50), 8 * (2 + 2) * 4);  // Di·(K + N)·4, whatever t
  EXPECT_EQ(cost::layer_state_bytes(c, 1, 50), 2 * 50 * 4 * 4);   // 2·t·D·4
}

// D 4, Hl 3, V 5, one layer, RMSNorm. Block: norm 16, w_ih 2·4·12 = 96, w_hh 2·3·12 = 72,
// gate sum + bias 8·3 = 24, gate activations 4·3 = 12, cell 5·3 = 15, out_proj 2·3·4 = 24,
// residual 4: 263. Frame (no RoPE angles: no attention): norm_f 16, head 40: 56. Total 319 at
// every position; state 2·Hl·4 = 24 bytes per layer.
TEST(AnalyticCost, TinyLstmCountedByHand) {
  const auto c = tiny_lstm(4, 1, 3);
  for (int64_t t : {0, 1, 1000, 65536}) EXPECT_EQ(cost::flops_per_token(c, t), 319) << "t = " << t;
  EXPECT_EQ(cost::flops_per_token(c, 7, OpKind::mixer), 15);
  EXPECT_EQ(cost::flops_per_token(c, 7, OpKind::matmul), 96 + 72 + 24 + 40);
  EXPECT_DOUBLE_EQ(cost::total_flops(c, 10), 3190);
  for (int64_t t : {0, 1, 1 << 20}) EXPECT_EQ(cost::layer_state_bytes(c, 0, t), 24);
  EXPECT_EQ(cost::state_bytes_read(c, 50), 24);
  EXPECT_EQ(cost::cached_tokens(c, 50), 0);
}

// D 4, Di 8, N 2, K 2, P 4 (Hm 2), G 1 (GN 2, Cc 12), V 5, one layer, RMSNorm. Block: norm 16,
// in_proj 2·4·(16 + 4 + 2) = 176, conv 2·2·12 + 12 = 60, silu 12, dt_bias + softplus 4, decay 4,
// scan 5·8·2 + 8 = 88, skip 16, gated norm 48, out_proj 64, residual 4: 492. Frame 56. Total 548;
// state (Cc·K + Di·N)·4 = 160 bytes per layer.
TEST(AnalyticCost, TinyMamba2CountedByHand) {
  const auto c = tiny_mamba2(4, 1);
  for (int64_t t : {0, 1, 1000, 65536}) EXPECT_EQ(cost::flops_per_token(c, t), 548) << "t = " << t;
  EXPECT_EQ(cost::flops_per_token(c, 7, OpKind::mixer), 88);
  EXPECT_EQ(cost::flops_per_token(c, 7, OpKind::matmul), 176 + 64 + 40);
  EXPECT_DOUBLE_EQ(cost::total_flops(c, 10), 5480);
  for (int64_t t : {0, 1, 1 << 20}) EXPECT_EQ(cost::layer_state_bytes(c, 0, t), 160);
  EXPECT_EQ(cost::state_bytes_read(c, 50), 160);
}

// D 4, H 2 (hd 2), F 16, V 5, one layer, RMSNorm, decay gla. Block: norm 16, q/k/v/g 2·4·16 = 128,
// q scale 4, gk_proj 2·4·16 + 2·16·4 = 256, gate 16, scan 5·4·2 = 40, gated norm 24, o_proj 32,
// residual 4, norm2 16, fc1 128, fc1 bias + GELU 32, fc2 128, fc2 bias + residual 8: 832. Frame 56.
// Total 888. Decay none: no gk_proj and gate, scan 4·4·2 = 32: 608. State D·hd·4 = 32 bytes.
TEST(AnalyticCost, TinyLinearAttentionCountedByHand) {
  const auto gla = tiny_linear(4, 1, "gla"), none = tiny_linear(4, 1, "none"), fixed = tiny_linear(4, 1, "fixed");
  for (int64_t t : {0, 1, 1000}) {
    EXPECT_EQ(cost::flops_per_token(gla, t), 888) << "t = " << t;
    EXPECT_EQ(cost::flops_per_token(none, t), 608) << "t = " << t;
    EXPECT_EQ(cost::flops_per_token(fixed, t), 616) << "t = " << t;  // none + the decay's 8 in the scan
  }
  EXPECT_EQ(cost::flops_per_token(gla, 3, OpKind::mixer), 40);
  EXPECT_EQ(cost::flops_per_token(none, 3, OpKind::mixer), 32);
  EXPECT_EQ(cost::flops_per_token(gla, 3, OpKind::matmul), 128 + 256 + 32 + 128 + 128 + 40);
  for (const auto& c : {gla, none, fixed}) {
    EXPECT_EQ(cost::layer_state_bytes(c, 0, 1 << 20), 32) << c.label();
    EXPECT_EQ(cost::state_bytes_read(c, 9), 32) << c.label();
  }
}

// The weight products are 2 FLOPs per weight-matrix entry (the model's own matrices, counted from
// its parameters), the scan 7 per A entry, attention 4·hd per (head, key) + the softmax's 6,
// the LSTM's cell update 5 per hidden unit, Mamba-2's scan 5 per state entry (Di·N) + Di, linear
// attention's 5 (4 without decay) per state entry (D·hd).
TEST(AnalyticCost, MatmulsAreTwiceTheModelsWeightMatrices) {
  for (const auto& c : {tiny(ModelFamily::mamba, 16, 2), tiny(ModelFamily::transformer, 16, 2),
                        tiny(ModelFamily::transformer, 16, 3, 6), tiny_hybrid(16, 3), tiny_lstm(16, 2, 12),
                        tiny_mamba2(16, 2, 2), tiny_linear(16, 2, "gla"), tiny_linear(16, 2, "none")}) {
    const auto model = build(c);
    int64_t matrix_entries = 0, a_entries = 0;
    for (const auto& p : model->named_parameters()) {
      const std::string& name = p.key();
      const bool weight = (name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0) ||
                          name.find(".weight_") != std::string::npos;  // the LSTM's weight_ih_l0, weight_hh_l0
      if (weight && p.value().dim() == 2 && name.find("pos_embedding") == std::string::npos)
        matrix_entries += p.value().numel();  // projections, MLP, and the embedding (the tied head)
      if (name.find("A_log") != std::string::npos) a_entries += p.value().numel();
    }
    for (int64_t t : {0, 5, 40}) {
      EXPECT_EQ(cost::flops_per_token(c, t, OpKind::matmul), 2 * matrix_entries) << c.label() << " t = " << t;
      const int64_t n = c.window > 0 ? std::min(t + 1, c.window) : t + 1;
      const int64_t attention_layers = c.family == ModelFamily::hybrid        ? 1
                                       : c.family == ModelFamily::transformer ? c.n_layer
                                                                              : 0;
      const int64_t lstm_units = c.family == ModelFamily::lstm ? c.n_layer * c.lstm_size() : 0;
      const int64_t mamba2_entries = c.family == ModelFamily::mamba2 ? c.n_layer * c.d_inner() * c.d_state : 0;
      const int64_t linear_entries = c.family == ModelFamily::linear ? c.n_layer * c.d_model * c.head_dim() : 0;
      const int64_t mixer = (c.family == ModelFamily::mamba2 ? 0 : 7 * a_entries) +
                            attention_layers * n * (4 * c.d_model + 6 * c.n_head) + 5 * lstm_units +
                            5 * mamba2_entries + (c.family == ModelFamily::mamba2 ? c.n_layer * c.d_inner() : 0) +
                            (c.decay == "none" ? 4 : 5) * linear_entries;
      EXPECT_EQ(cost::flops_per_token(c, t, OpKind::mixer), mixer) << c.label() << " t = " << t;
      EXPECT_EQ(cost::flops_per_token(c, t), cost::flops_per_token(c, t, OpKind::matmul) +
                                                 cost::flops_per_token(c, t, OpKind::mixer) +
                                                 cost::flops_per_token(c, t, OpKind::elementwise));
    }
  }
}

TEST(AnalyticCost, ClosedFormTotalIsTheSumOfTheSteps) {
  auto learned = tiny(ModelFamily::transformer, 8, 2), alibi = tiny(ModelFamily::transformer, 8, 2, 6);
  learned.pos = "learned", alibi.pos = "alibi";
  for (const auto& c : {tiny(ModelFamily::mamba, 8, 2), tiny(ModelFamily::transformer, 8, 2),
                        tiny(ModelFamily::transformer, 8, 2, 7), learned, alibi, tiny_hybrid(8, 3), tiny_hybrid(8, 2, 5),
                        tiny_lstm(8, 2, 6), tiny_mamba2(8, 2), tiny_linear(8, 2, "fixed")}) {
    double sum = 0;
    for (int64_t T = 1; T <= 40; ++T) {
      sum += static_cast<double>(cost::flops_per_token(c, T - 1));
      ASSERT_DOUBLE_EQ(cost::total_flops(c, T), sum) << c.label() << " W " << c.window << " T = " << T;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// State bytes

// Genuine stepping: the step engine's caches, the libtorch caches and the model's own count all
// equal the analytic bytes, per layer, at every position (past the KV doubling at 16 and the
// window's wrap at 5). One thread: libtorch's tiny per-step ops stall in parallel regions on a
// busy machine.
TEST(StateBytes, AnalyticEqualsMeasuredForEveryFamily) {
  torch::NoGradGuard no_grad;
  const OneThread one_thread;
  for (const auto& c : {tiny(ModelFamily::mamba, 8, 2), tiny(ModelFamily::transformer, 8, 2),
                        tiny(ModelFamily::transformer, 8, 2, 5), tiny_hybrid(8, 3), tiny_hybrid(8, 2, 5),
                        tiny_lstm(8, 2, 8), tiny_lstm(8, 2, 6), tiny_mamba2(8, 2), tiny_mamba2(8, 2, 2),
                        tiny_linear(8, 2, "none"), tiny_linear(8, 2, "gla")}) {
    auto model = build(c);
    const StepEngine engine(model);
    auto state = engine.make_state(1);
    auto cache = model->make_cache(1);
    std::vector<float> logits(c.vocab_size);
    for (int64_t t = 1; t <= 20; ++t) {
      const int64_t token = t % c.vocab_size;
      engine.step(&token, state, logits.data());
      model->step(torch::tensor({token}), cache);
      const auto measured = cost::measure_layer_bytes(engine, state);
      ASSERT_EQ(static_cast<int64_t>(measured.size()), c.n_layer);
      for (int64_t l = 0; l < c.n_layer; ++l) {
        const int64_t expected = cost::layer_state_bytes(c, l, t);
        ASSERT_EQ(measured[l].live, expected) << c.label() << " W " << c.window << " t " << t << " layer " << l;
        ASSERT_EQ(cache.layers[l]->bytes(), expected) << c.label() << " W " << c.window << " t " << t;
        ASSERT_GE(measured[l].allocated, measured[l].live);
      }
      ASSERT_EQ(model->state_bytes(t), cost::state_bytes(c, t));
    }
  }
}

// Fast-forwarded to far positions, the live bytes still equal the analytic ones; the KV
// capacity is the engine's doubling (less than twice the live slots beyond 16); Mamba, the LSTM
// and the window stay flat.
TEST(StateBytes, FastForwardedEqualsAnalyticAndWindowAndMambaStayFlat) {
  for (const auto& c : {tiny(ModelFamily::mamba, 8, 2), tiny(ModelFamily::transformer, 8, 2),
                        tiny(ModelFamily::transformer, 8, 2, 48), tiny_hybrid(8, 2), tiny_lstm(8, 2, 6),
                        tiny_mamba2(8, 2), tiny_linear(8, 2, "fixed")}) {
    const StepEngine engine(build(c));
    cost::TimingOptions o;
    o.tokens = 1;
    o.warmup = 0;
    const auto measured = cost::measure_positions(engine, {3, 100, 1000, 4097, 16384}, o);
    for (const auto& m : measured) {
      for (int64_t i = 0; i < c.n_layer; ++i) {
        const auto& l = m.layers.at(i);
        EXPECT_EQ(l.live, cost::layer_state_bytes(c, i, m.position)) << c.label() << " t " << m.position << " layer " << i;
        if (c.layer_family(i) == ModelFamily::transformer && c.window == 0 && m.position > 16) {
          EXPECT_LT(l.allocated, 2 * l.live);
        }
      }
    }
    const int64_t last = c.n_layer - 1;  // the hybrid's attention layer is its last
    if (!c.has_attention() || c.window > 0) {  // Mamba, LSTM, window
      EXPECT_EQ(measured[2].layers[last].live, measured[4].layers[last].live);
      EXPECT_EQ(cost::layer_state_bytes(c, last, 1000), cost::layer_state_bytes(c, last, 1 << 20));
    } else {
      EXPECT_EQ(measured[4].layers[last].live, 2 * 16384 * c.d_model * 4);
    }
    if (c.family == ModelFamily::hybrid) {  // its Mamba layer stays flat
      EXPECT_EQ(measured[2].layers[0].live, measured[4].layers[0].live);
    }
  }
}

// With one layer, no positions and the same token every step, every token's key and value are
// the same, so a cache tiled from the first p tokens is exactly the cache of t genuine steps:
// buffers (capacity included) and the next logits must be identical.
TEST(FastForward, ReproducesGenuineSteppingExactly) {
  for (int64_t window : {0, 7}) {
    auto c = tiny(ModelFamily::transformer, 8, 1, window);
    c.pos = "none";
    const StepEngine engine(build(c));
    const int64_t token = 3;
    std::vector<float> genuine_logits(c.vocab_size), ff_logits(c.vocab_size);
    for (int64_t t : {5, 16, 17, 40}) {
      auto genuine = engine.make_state(1), ff = engine.make_state(1);
      for (int64_t i = 0; i < t; ++i) engine.step(&token, genuine, genuine_logits.data());
      for (int64_t i = 0; i < 3; ++i) engine.step(&token, ff, ff_logits.data());
      cost::fast_forward(engine, ff, t);
      ASSERT_EQ(ff.position, t);
      EXPECT_EQ(ff.layers[0].keys, genuine.layers[0].keys) << "W " << window << " t " << t;
      EXPECT_EQ(ff.layers[0].values, genuine.layers[0].values) << "W " << window << " t " << t;
      engine.step(&token, genuine, genuine_logits.data());
      engine.step(&token, ff, ff_logits.data());
      EXPECT_EQ(ff_logits, genuine_logits) << "W " << window << " t " << t;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Time interpolation, slopes

TEST(MeasuredCost, InterpolatedTotal) {
  std::vector<cost::PositionMeasurement> m(2);
  m[0].position = 10, m[0].times.median_ms = 1;
  m[1].position = 20, m[1].times.median_ms = 3;
  EXPECT_DOUBLE_EQ(cost::interpolate_ms(m, 15), 2);
  // t = 0…10 at 1 ms (11 steps), t = 11…19 at 1 + 0.2·(t − 10): 9 + 0.2·45 = 18.
  EXPECT_NEAR(cost::estimate_total_ms(m, 20), 29, 1e-12);
  EXPECT_NEAR(cost::estimate_total_ms(m, 25), 29 + 5 * 3, 1e-12);  // constant after the last
}

TEST(CostReport, SlopesAndLabels) {
  EXPECT_NEAR(cost::log_log_slope({1, 2, 4, 8}, {3, 12, 48, 192}), 2.0, 1e-12);
  EXPECT_TRUE(std::isnan(cost::log_log_slope({1}, {1})));
  EXPECT_EQ(cost::growth_label(0.1), "flat");
  EXPECT_EQ(cost::growth_label(0.98), "linear");
  EXPECT_EQ(cost::growth_label(1.97), "quadratic");
  EXPECT_EQ(cost::growth_label(0.5), "between");
  // Rows of a model whose time is linear in t: the tail slope is 1 (fit over t ≥ 1024 / 4).
  cost::ModelCost model;
  for (int64_t t : {16, 64, 256, 1024}) {
    cost::CostRow r;
    r.position = t;
    r.measured_layer_bytes = {8 * t};
    r.flops_per_token = 100;
    r.median_ms = 0.5 * static_cast<double>(t);
    r.total_flops = 100.0 * static_cast<double>(t);
    r.estimated_total_ms = 0.25 * static_cast<double>(t * t);
    model.rows.push_back(r);
  }
  cost::fit_model(model);
  EXPECT_EQ(model.slopes.from, 256);
  EXPECT_NEAR(model.slopes.state_bytes, 1, 1e-12);
  EXPECT_NEAR(model.slopes.flops_per_token, 0, 1e-12);
  EXPECT_NEAR(model.slopes.ms_per_token, 1, 1e-12);
  EXPECT_NEAR(model.slopes.total_flops, 1, 1e-12);
  EXPECT_NEAR(model.slopes.total_ms, 2, 1e-12);
}

// ---------------------------------------------------------------------------------------------
// The command

void run_cost_command(const std::string& args) {
  CLI::App app;
  cli::add_cost_command(app);
  app.parse("cost " + args, false);
}

TEST(CostCommand, QuickRunWritesTablesPlotsAndSlopes) {
  test_support::TempDir dir;
  const auto out = dir / "report";
  run_cost_command("--quick --quiet --out " + out.string());
  for (const char* name : {"cost.md", "cost.csv", "cost.json", "cost_state_bytes.csv", "cost_flops_per_token.csv",
                           "cost_ms_per_token.csv", "cost_total_flops.csv", "cost_total_time.csv"})
    EXPECT_TRUE(std::filesystem::exists(out / name)) << name;
  const auto j = Json::parse(read_file(out / "cost.json"));
  EXPECT_TRUE(j.at("bytes_match").get<bool>());
  ASSERT_EQ(j.at("models").size(), 7u);  // mamba, transformer, window, hybrid, lstm, mamba2, linear
  EXPECT_EQ(j.at("models")[3].at("label"), "hybrid d32×3 N8 attn 1");
  EXPECT_EQ(j.at("models")[4].at("label"), "lstm d32×2");
  EXPECT_EQ(j.at("models")[5].at("label"), "mamba2 d32×2 N8 P16");
  EXPECT_EQ(j.at("models")[6].at("label"), "linear gla d32×2");
  const auto slope = [&](size_t model, const char* key) { return j.at("models")[model].at("slopes").at(key).get<double>(); };
  EXPECT_NEAR(slope(0, "state_bytes"), 0, 1e-12);   // Mamba: flat
  EXPECT_NEAR(slope(1, "state_bytes"), 1, 1e-12);   // Transformer: linear
  EXPECT_NEAR(slope(2, "state_bytes"), 0, 1e-12);   // window 64, fitted over t ≥ 256: flat
  EXPECT_NEAR(slope(0, "total_flops"), 1, 1e-12);   // Mamba: linear total
  EXPECT_GT(slope(1, "total_flops"), slope(2, "total_flops"));
  EXPECT_GT(slope(3, "state_bytes"), 0.5);          // hybrid: its attention block's cache grows,
  EXPECT_LT(slope(3, "state_bytes"), 1);            // its Mamba blocks' states do not
  EXPECT_NEAR(slope(4, "state_bytes"), 0, 1e-12);   // LSTM: flat
  EXPECT_NEAR(slope(4, "total_flops"), 1, 1e-12);   // LSTM: linear total
  for (size_t constant : {5, 6}) {                   // Mamba-2 and linear attention: flat, linear total
    EXPECT_NEAR(slope(constant, "state_bytes"), 0, 1e-12);
    EXPECT_NEAR(slope(constant, "total_flops"), 1, 1e-12);
  }
  for (const auto& m : j.at("models")) {
    EXPECT_EQ(m.at("rows").size(), 4u);
    EXPECT_TRUE(m.at("validation").at("bytes_match").get<bool>());
    for (const auto& r : m.at("rows")) EXPECT_GT(r.at("median_ms_per_token").get<double>(), 0);
  }
  EXPECT_NE(read_file(out / "cost.md").find("| model |"), std::string::npos);
}

TEST(CostCommand, BadFlagsAreUserErrors) {
  test_support::TempDir dir;
  for (const char* args : {"--quick --positions 64,32", "--quick --positions 64,x", "--quick --positions 0,4",
                           "--quick --tokens 0", "--quick --validate 5000",
                           "--model /nonexistent/config.toml", "--quick --set model.d_model=8"})
    EXPECT_THROW(run_cost_command(std::string(args) + " --quiet --out " + (dir / "out").string()), Error) << args;
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));  // checked before anything is measured or written
}

}  // namespace
}  // namespace fl
