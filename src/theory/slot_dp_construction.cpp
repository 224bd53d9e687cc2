#include "theory/slot_dp_construction.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "models/mamba.h"
#include "theory/hand_set.h"
#include "theory/ramp_units.h"

namespace fl::theory {

namespace {

constexpr int64_t kConv = 4;            // d_conv, Mamba's default; only lags 0 and 1 are used
constexpr double kReadGate = 40;        // Z: SiLU(±40) = 40 or −1.7e-16: a slot is read or not
constexpr double kDtWrite = 30;         // dt pre-activation at a write: softplus(30) = 30, a = e^{−30}
constexpr double kDtKeep = -30;         // elsewhere: dt = softplus(−30) ≈ 9.4e-14, a = 1 − 9.4e-14
constexpr double kNoDecayALog = -1000;  // A = −exp(−1000) = −0: a = 1 exactly (state layout)

using Kind = SlotDpToken::Kind;

// Residual dims: flags, then S write-slot dims, S read-slot dims, the far block (p), the output
// dims (p results, then ".").
enum Dim : int64_t { kValue = 0, kIsResult = 1, kIsInput = 2, kConst = 3, kFill = 4, kFirstSlotDim = 5 };

struct Dims {
  int64_t S, p;
  int64_t write(int64_t g) const { return kFirstSlotDim + g; }
  int64_t read(int64_t g) const { return kFirstSlotDim + S + g; }
  int64_t far(int64_t v) const { return kFirstSlotDim + 2 * S + v; }
  int64_t out(int64_t v) const { return kFirstSlotDim + 2 * S + p + v; }  // v = p: "."
  int64_t model() const { return out(p) + 1; }
};

// Largest S = dp_{i−1} + dp_{r_i} + s_i the decoder sees where it writes.
int64_t decoder_sum_max(int64_t p) { return 3 * (p - 1); }

// Channels of layer 1: ring S groups of p ramps + S write flags + 1 constant; state p ramps + S
// write flags + S read flags + the dt control + 1 constant.
int64_t memory_channels(const SlotDpSpec& s) {
  return s.layout == SlotLayout::ring ? s.slots * (s.modulus + 1) + 1 : s.modulus + 2 * s.slots + 2;
}

// One layer's weights, float64, filled in by the builders below; written by name at the end.
struct LayerWeights {
  torch::Tensor in, conv, conv_bias, x_proj, dt_weight, dt_bias, A_log, D, out;
  LayerWeights(int64_t Di, int64_t D, int64_t R, int64_t N)
      : in(torch::zeros({2 * Di, D}, torch::kFloat64)),         // (2Di, D) rows [x; z]
        conv(torch::zeros({Di, 1, kConv}, torch::kFloat64)),   // (Di, 1, K), index K−1−lag
        conv_bias(torch::zeros({Di}, torch::kFloat64)),        // (Di)
        x_proj(torch::zeros({R + 2 * N, Di}, torch::kFloat64)),  // (R + 2N, Di) rows [dt_raw; B; C]
        dt_weight(torch::zeros({Di, R}, torch::kFloat64)),     // (Di, R)
        dt_bias(torch::zeros({Di}, torch::kFloat64)),          // (Di)
        A_log(torch::zeros({Di, N}, torch::kFloat64)),         // (Di, N)
        D(torch::zeros({Di}, torch::kFloat64)),                // (Di)
        out(torch::zeros({D, Di}, torch::kFloat64)) {}         // (D, Di)
  int64_t Di() const { return D.size(0); }

  // Channel ch: x = SiLU(β (f_t − threshold)), f the residual's value dim at this token.
  void ramp(int64_t ch, int64_t dim, double threshold) {
    in[ch][dim] = 1.0, conv[ch][0][kConv - 1] = kSharpness, conv_bias[ch] = -kSharpness * threshold;
  }
  // Channel ch: x = SiLU(β · dim of the token `lag` positions back) (≈ β for a flag that is 1).
  void flag(int64_t ch, int64_t dim, int64_t lag) { in[ch][dim] = 1.0, conv[ch][0][kConv - 1 - lag] = kSharpness; }
  void gate(int64_t ch, int64_t dim, double weight) { in[Di() + ch][dim] = weight; }

  void write_to(LanguageModel& model, int64_t layer) const {
    const std::string m = "backbone.layers." + std::to_string(layer) + ".mixer.";
    set_weight(model, m + "in_proj.weight", in);
    set_weight(model, m + "conv1d.weight", conv);
    set_weight(model, m + "conv1d.bias", conv_bias);
    set_weight(model, m + "x_proj.weight", x_proj);
    set_weight(model, m + "dt_proj.weight", dt_weight);
    set_weight(model, m + "dt_proj.bias", dt_bias);
    set_weight(model, m + "A_log", A_log);
    set_weight(model, m + "D", D);
    set_weight(model, m + "out_proj.weight", out);
  }
};

// out_proj of a stored-ramp channel at threshold c: hats into far_v (v ≥ 1), and far_0 = 1 − Σ_{v≥1}
// hat_v, the constant part coming from the constant channel. `scale` undoes the ramp's β and the gate.
void far_hats(LayerWeights& w, const Dims& d, int64_t ch, int64_t c, double scale) {
  for (int64_t v = 1; v < d.p; ++v) {
    const double coef = hat_coefficient(c, v) * scale;
    w.out[d.far(v)][ch] += coef;
    w.out[d.far(0)][ch] -= coef;
  }
}

// Layer 1: the slot memory (see the header).
LayerWeights memory_layer(const SlotDpSpec& s, const Dims& d, int64_t D, int64_t Di, int64_t R, int64_t N) {
  LayerWeights w(Di, D, R, N);
  const int64_t S = s.slots, p = s.modulus;
  const double x_on = silu(kSharpness), read_gate = silu(kReadGate), hat_scale = 1.0 / (kSharpness * read_gate);
  w.dt_bias.fill_(kDtKeep);
  if (s.layout == SlotLayout::state) w.A_log.fill_(kNoDecayALog);  // ring: A = −1
  const int64_t constant = memory_channels(s) - 1;
  for (int64_t g = 0; g < (s.layout == SlotLayout::ring ? S : 1); ++g)
    for (int64_t c = 0; c < p; ++c) {  // stored ramps: group g (ring) or the one value group (state)
      const int64_t ch = g * p + c;
      w.ramp(ch, kValue, static_cast<double>(c));
      w.dt_weight[ch][g] = kDtWrite - kDtKeep;  // dt_raw_g = 1 at a write of group g (state: any write)
      if (s.layout == SlotLayout::ring) w.gate(ch, d.read(g), 2 * kReadGate);
      else w.gate(ch, kIsInput, 2 * kReadGate);
      w.gate(ch, kConst, -kReadGate);
      far_hats(w, d, ch, c, hat_scale);
    }
  if (s.layout == SlotLayout::ring) {
    for (int64_t g = 0; g < S; ++g) {  // write flag of group g: the previous token names slot g
      const int64_t ch = S * p + g;
      w.flag(ch, d.write(g), 1);
      w.x_proj[g][ch] = 1.0 / x_on;                 // dt_raw_g
      w.x_proj[R][ch] = 1.0 / (x_on * kDtWrite);    // B = 1/30 at every write
    }
    w.x_proj[R + N][constant] = 1.0 / x_on;  // C = 1
  } else {
    for (int64_t n = 0; n < S; ++n) {
      const int64_t write = p + n, read = p + S + n;
      w.flag(write, d.write(n), 1);
      w.x_proj[R + n][write] = 1.0 / (x_on * kDtWrite);  // B = e_n / 30 at the write of slot n
      w.flag(read, d.read(n), 0);
      w.x_proj[R + N + n][read] = 1.0 / x_on;            // C = e_n at an input reading slot n
    }
    const int64_t dt_control = p + 2 * S;
    w.flag(dt_control, kIsResult, 0);
    w.x_proj[0][dt_control] = 1.0 / x_on;  // dt_raw = 1 at every result
  }
  w.flag(constant, kConst, 0);  // x = SiLU(β): through D to far_0 at every token
  w.D[constant] = 1.0;
  w.gate(constant, kConst, kReadGate);
  w.out[d.far(0)][constant] = 1.0 / (x_on * read_gate);
  return w;
}

// Layer 2: the decoder, S = (f + far value) at lags 0 and 1 → one-hot of S mod p; EOS at results.
LayerWeights decoder_layer(const SlotDpSpec& s, const Dims& d, int64_t D, int64_t Di, int64_t R, int64_t N) {
  LayerWeights w(Di, D, R, N);
  const int64_t p = s.modulus, s_max = decoder_sum_max(p), eos = s_max + 3;
  const double scale = 1.0 / (kSharpness * silu(kGate));
  for (int64_t j = 0; j < eos; ++j) {  // ramp j at threshold j − 1
    w.in[j][kValue] = 1.0;
    for (int64_t v = 0; v < p; ++v) w.in[j][d.far(v)] = static_cast<double>(v);
    w.conv[j][0][kConv - 1] = w.conv[j][0][kConv - 2] = kSharpness;
    w.conv_bias[j] = -kSharpness * static_cast<double>(j - 1);
    w.gate(j, kConst, kGate);
    for (int64_t v = 0; v < p; ++v) w.out[d.out(v)][j] = hat_mod_coefficient(j - 1, v, p, s_max) * scale;
  }
  w.flag(eos, kIsResult, 0);
  w.gate(eos, kConst, kGate);
  w.out[d.out(p)][eos] = kEosScore * scale;
  w.D.fill_(1.0);  // SSM off: x_proj = 0, so y = D ⊙ x
  return w;
}

// Token embeddings (V, D), every row of the same squared norm C (the filler dim); dims past
// d.model() are 0.
torch::Tensor token_embeddings(const SlotDpSpec& s, const Dims& d, int64_t D) {
  const int64_t V = static_cast<int64_t>(s.tokens.size());
  auto E = torch::zeros({V, D}, torch::kFloat64);  // (V, D)
  auto e = E.accessor<double, 2>();
  for (int64_t t = 0; t < V; ++t) {
    const SlotDpToken& tok = s.tokens[t];
    e[t][kConst] = 1.0;
    if (tok.kind == Kind::input) {
      e[t][kValue] = static_cast<double>(tok.value), e[t][kIsInput] = 1.0;
      if (tok.write_slot >= 0) e[t][d.write(tok.write_slot)] = 1.0;
      if (tok.read_slot >= 0) e[t][d.read(tok.read_slot)] = 1.0;
    } else if (tok.kind == Kind::result) {
      e[t][kValue] = static_cast<double>(tok.value), e[t][kIsResult] = 1.0, e[t][d.out(tok.value)] = kOwnToken;
    } else if (tok.kind == Kind::end) {
      e[t][d.out(s.modulus)] = kOwnToken;
    }
  }
  const auto norms = E.pow(2).sum(1);  // (V)
  E.select(1, kFill).copy_(torch::sqrt(norms.max() + 1.0 - norms));
  return E;
}

void check_spec(const SlotDpSpec& s) {
  require(s.slots >= 1, "slot construction: S = " + std::to_string(s.slots) + " must be at least 1");
  require(s.modulus >= 2, "slot construction: modulus = " + std::to_string(s.modulus) + " must be at least 2");
  require(!s.tokens.empty(), "slot construction: empty token table");
  for (const SlotDpToken& t : s.tokens) {
    require(t.write_slot < s.slots && t.read_slot < s.slots, "slot construction: a token names a slot ≥ S");
    require(t.value >= 0 && t.value < s.modulus, "slot construction: a token's value is outside [0, p)");
  }
}

SlotDpToken basic_token(int32_t id, int32_t eos) { return {id == eos ? Kind::end : Kind::other, 0, -1, -1}; }

}  // namespace

const char* slot_layout_name(SlotLayout layout) { return layout == SlotLayout::ring ? "ring" : "d_state"; }

std::vector<SlotDpToken> slot_tokens(const LocalDpTask& task, int64_t slots) {
  require(task.format() == LocalDpTask::Format::Interleaved && task.phase() >= 1,
          "slot construction: needs local_dp interleaved with task.phase >= 1");
  std::vector<SlotDpToken> table;
  for (int32_t id = 0; id < static_cast<int32_t>(task.vocab().size()); ++id) {
    SlotDpToken t = basic_token(id, task.eos_id());
    if (task.is_input(id)) {
      const int64_t slot = task.input_phase(id) % slots;
      t = {Kind::input, task.input_value(id), slot, slot};
    } else if (id >= task.result_id(0)) {
      t = {Kind::result, id - task.result_id(0), -1, -1};
    }
    table.push_back(t);
  }
  return table;
}

std::vector<SlotDpToken> slot_tokens(const PointerDpTask& task, int64_t slots) {
  std::vector<SlotDpToken> table;
  for (int32_t id = 0; id < static_cast<int32_t>(task.vocab().size()); ++id) {
    SlotDpToken t = basic_token(id, task.eos_id());
    if (task.is_input(id)) {
      const PointerDpTask::Input in = task.input_of(id);
      t = {Kind::input, in.value, in.step % slots, in.pointer == 0 ? -1 : in.pointer % slots};
    } else if (id >= task.result_id(0)) {
      t = {Kind::result, id - task.result_id(0), -1, -1};
    }
    table.push_back(t);
  }
  return table;
}

int64_t far_block_first(const SlotDpSpec& spec) { return Dims{spec.slots, spec.modulus}.far(0); }

LanguageModel build_slot_dp_mamba(const SlotDpSpec& s) {
  check_spec(s);
  const Dims d{s.slots, s.modulus};
  // expand 1: d_model = Di = the most any part needs (the residual dims, either layer's channels),
  // so the state Di·(N + K) has no rounding in it.
  const int64_t D = std::max({d.model(), memory_channels(s), decoder_sum_max(s.modulus) + 4}), Di = D;
  const bool ring = s.layout == SlotLayout::ring;
  ModelConfig config;
  config.family = ModelFamily::mamba;
  config.vocab_size = static_cast<int64_t>(s.tokens.size());
  config.d_model = D;
  config.n_layer = 2;
  config.d_state = ring ? 1 : s.slots;
  config.d_conv = kConv;
  config.expand = 1;
  config.dt_rank = ring ? s.slots : 1;
  LanguageModel model(config);

  const auto E = token_embeddings(s, d, D);                             // (V, D)
  const double C = E[0].pow(2).sum().item<double>();
  const double Dd = static_cast<double>(D);
  auto head = torch::zeros({D}, torch::kFloat64);                       // (D) norm_f: output dims only
  head.narrow(0, d.out(0), s.modulus + 1).fill_(1.0 / kOwnToken);
  set_weight(model, "backbone.embedding.weight", E);
  set_weight(model, "backbone.layers.0.norm.weight", torch::full({D}, std::sqrt(C / Dd + config.norm_eps)));
  set_weight(model, "backbone.layers.1.norm.weight", torch::full({D}, std::sqrt((C + 1.0) / Dd + config.norm_eps)));
  set_weight(model, "backbone.norm_f.weight", head);
  memory_layer(s, d, D, Di, config.dt_rank, config.d_state).write_to(model, 0);
  decoder_layer(s, d, D, Di, config.dt_rank, config.d_state).write_to(model, 1);
  model->eval();
  return model;
}

void switch_off_memory(LanguageModel& model) {
  auto& mixer = *dynamic_cast<MambaBlock&>(model->layer(0)).mixer;
  torch::NoGradGuard no_grad;
  mixer.x_proj->weight.zero_();
}

}  // namespace fl::theory
