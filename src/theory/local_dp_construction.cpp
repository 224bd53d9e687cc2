#include "theory/local_dp_construction.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "models/mamba.h"
#include "theory/hand_set.h"
#include "theory/ramp_units.h"

namespace fl::theory {

namespace {

// Embedding dimensions; the output dimensions follow: kFirstOut + v for result v, kFirstOut + p for ".".
enum Dim : int64_t { kValue = 0, kIsResult = 1, kIsSep = 2, kConst = 3, kFill = 4, kFirstOut = 5 };

struct Tap {
  int64_t lag;
  double weight;
};

bool is_prefix(LocalDpTask::Format f) { return f == LocalDpTask::Format::Prefix; }

// σ: an input s_v carries f = σ·v.
double input_scale(LocalDpTask::Format f, int64_t p) { return is_prefix(f) ? static_cast<double>(p) : 1.0; }

// Largest S at a position where the model writes: interleaved three results/inputs < p;
// prefix dp_{i−1} < p, the lag m−1 token ≤ p(p−1) (an input seen with σ = p), s_i < p.
int64_t largest_sum(LocalDpTask::Format f, int64_t p) { return is_prefix(f) ? (p - 1) * (p + 2) : 3 * (p - 1); }

// The taps of the sum S, those beyond the window dropped, equal lags merged (m = 1; prefix n = m − 1).
std::vector<Tap> sum_taps(const LocalDpConstruction& c) {
  const int64_t m = c.locality;
  const std::vector<Tap> wanted =
      is_prefix(c.format)
          ? std::vector<Tap>{{0, 1.0}, {m - 1, 1.0}, {c.prefix_n, 1.0 / static_cast<double>(c.modulus)}}
          : std::vector<Tap>{{0, 1.0}, {1, 1.0}, {2 * m - 1, 1.0}};
  std::vector<Tap> taps;
  for (const Tap& t : wanted) {
    if (t.lag >= c.window) continue;
    auto same = std::find_if(taps.begin(), taps.end(), [&](const Tap& u) { return u.lag == t.lag; });
    if (same == taps.end()) taps.push_back(t);
    else same->weight += t.weight;
  }
  return taps;
}

// Token embeddings (V, D): f, flags, output entries, then the filler that equalises the norms.
torch::Tensor token_embeddings(const LocalDpConstruction& c, const LocalDpTask& task, int64_t D) {
  const int64_t p = c.modulus, V = static_cast<int64_t>(task.vocab().size());
  auto E = torch::zeros({V, D}, torch::kFloat64);  // (V, D)
  auto e = E.accessor<double, 2>();
  for (int64_t v = 0; v < p; ++v) {
    e[task.input_id(v)][kValue] = input_scale(c.format, p) * static_cast<double>(v);
    e[task.result_id(v)][kValue] = static_cast<double>(v);
    e[task.result_id(v)][kIsResult] = 1.0;
    e[task.result_id(v)][kFirstOut + v] = kOwnToken;
  }
  e[LocalDpTask::kSep][kIsSep] = 1.0;
  e[LocalDpTask::kEos][kFirstOut + p] = kOwnToken;
  for (int64_t t = 0; t < V; ++t) e[t][kConst] = 1.0;
  const auto norms = E.pow(2).sum(1);                                   // (V)
  const double C = norms.max().item<double>() + 1.0;
  E.select(1, kFill).copy_(torch::sqrt(C - norms));
  return E;
}

}  // namespace

int64_t interleaved_window(int64_t locality) { return 2 * locality; }
int64_t prefix_window(int64_t n) { return n + 1; }

int64_t construction_channels(LocalDpTask::Format format, int64_t modulus) {
  // Ramps at thresholds −1 … S_max + 1 and one EOS unit, rounded up to a multiple of d_model = p + 6.
  const int64_t units = largest_sum(format, modulus) + 4, D = modulus + 6;
  return (units + D - 1) / D * D;
}

LanguageModel build_local_dp_mamba(const LocalDpConstruction& c) {
  require(c.locality >= 1, "local-dp construction: m = " + std::to_string(c.locality) + " must be at least 1");
  require(c.modulus >= 2, "local-dp construction: modulus = " + std::to_string(c.modulus) + " must be at least 2");
  require(c.window >= 1, "local-dp construction: window K = " + std::to_string(c.window) + " must be at least 1");
  require(c.prefix_n >= 1, "local-dp construction: n = " + std::to_string(c.prefix_n) + " must be at least 1");
  const LocalDpTask task(c.format, 1, 1, c.locality, c.modulus);
  const int64_t p = c.modulus, s_max = largest_sum(c.format, p), K = c.window;
  const int64_t D = p + 6, Di = construction_channels(c.format, p), eos_unit = s_max + 3;

  ModelConfig config;
  config.family = ModelFamily::mamba;
  config.vocab_size = static_cast<int64_t>(task.vocab().size());
  config.d_model = D;
  config.n_layer = 1;
  config.d_state = 1;
  config.d_conv = K;
  config.expand = Di / D;
  config.dt_rank = 1;
  LanguageModel model(config);

  const auto E = token_embeddings(c, task, D);                          // (V, D)
  const double C = E[0].pow(2).sum().item<double>();
  const double gate = silu(kGate);

  auto in_proj = torch::zeros({2 * Di, D}, torch::kFloat64);            // (2Di, D) rows [x; z]
  auto conv_w = torch::zeros({Di, 1, K}, torch::kFloat64);              // (Di, 1, K) index K−1−lag
  auto conv_b = torch::zeros({Di}, torch::kFloat64);                    // (Di)
  auto out_proj = torch::zeros({D, Di}, torch::kFloat64);               // (D, Di)
  auto in = in_proj.accessor<double, 2>();
  auto w = conv_w.accessor<double, 3>();
  auto b = conv_b.accessor<double, 1>();
  auto out = out_proj.accessor<double, 2>();
  const auto taps = sum_taps(c);
  for (int64_t j = 0; j < eos_unit; ++j) {  // ramp j: SiLU(β (S − c_j)), c_j = j − 1
    const int64_t threshold = j - 1;
    in[j][kValue] = 1.0;
    in[Di + j][kConst] = kGate;
    for (const Tap& t : taps) w[j][0][K - 1 - t.lag] = kSharpness * t.weight;
    b[j] = -kSharpness * static_cast<double>(threshold);
    for (int64_t v = 0; v < p; ++v) out[kFirstOut + v][j] = hat_mod_coefficient(threshold, v, p, s_max) / (kSharpness * gate);
  }
  // EOS unit: SiLU(β · flag at its lag) = β·flag (up to 4e-8), scaled to kEosScore.
  const int64_t eos_lag = is_prefix(c.format) ? c.prefix_n : 0;
  in[eos_unit][is_prefix(c.format) ? kIsSep : kIsResult] = 1.0;
  in[Di + eos_unit][kConst] = kGate;
  if (eos_lag < K) w[eos_unit][0][K - 1 - eos_lag] = kSharpness;
  out[kFirstOut + p][eos_unit] = kEosScore / (kSharpness * gate);

  auto head_weight = torch::zeros({D}, torch::kFloat64);                // (D) norm_f: output dimensions only
  head_weight.narrow(0, kFirstOut, p + 1).fill_(1.0 / kOwnToken);

  const auto set = [&](const std::string& name, const torch::Tensor& value) { set_weight(model, name, value); };
  const std::string mixer = "backbone.layers.0.mixer.";
  set("backbone.embedding.weight", E);
  set("backbone.layers.0.norm.weight", torch::full({D}, std::sqrt(C / static_cast<double>(D) + config.norm_eps)));
  set(mixer + "in_proj.weight", in_proj);
  set(mixer + "conv1d.weight", conv_w);
  set(mixer + "conv1d.bias", conv_b);
  set(mixer + "x_proj.weight", torch::zeros({config.dt_rank + 2 * config.d_state, Di}));  // B = C = 0: SSM off
  set(mixer + "dt_proj.weight", torch::zeros({Di, config.dt_rank}));
  set(mixer + "dt_proj.bias", torch::zeros({Di}));
  set(mixer + "A_log", torch::zeros({Di, config.d_state}));
  set(mixer + "D", torch::ones({Di}));
  set(mixer + "out_proj.weight", out_proj);
  set("backbone.norm_f.weight", head_weight);
  model->eval();
  return model;
}

}  // namespace fl::theory
