// The model's hyper-parameters (keys "model.*"), shared by every mixer type. Torch-free.
// Letters as in docs/SOURCES.md: D = d_model, N = d_state, K = d_conv, E = expand, Di = E·D, R = dt_rank;
// H = lstm_hidden (the LSTM's hidden size); Mamba-2: P = headdim, G = ngroups, Hm = Di / P heads.
#pragma once
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "kernels/attention_positions.h"
#include "models/model_family.h"

namespace fl {

// Linear attention with decay = "gla": the gate log α_t = logsigmoid(W_up W_down x_t + b) / τ, with
// W_down of rank kGlaGateRank and τ = kGlaGateTemperature (Yang et al. 2024, GLA; fla's defaults).
inline constexpr int64_t kGlaGateRank = 16;
inline constexpr double kGlaGateTemperature = 16.0;

struct ModelConfig {
  ModelFamily family = ModelFamily::mamba;  // model.type; "window" is read as transformer + window
  int64_t vocab_size = 0;       // 0 in a user config: taken from the task
  int64_t d_model = 64;
  int64_t n_layer = 2;
  std::string norm = "rmsnorm";  // "rmsnorm" | "layernorm"
  double norm_eps = 1e-5;
  // Mamba
  int64_t d_state = 16;
  int64_t d_conv = 4;
  int64_t expand = 2;
  int64_t dt_rank = 0;  // 0 = ceil(D / 16)
  double dt_min = 0.001, dt_max = 0.1, dt_init_floor = 1e-4;
  // Transformer
  int64_t n_head = 4;
  std::string pos = "rope";  // "rope" | "none" | "learned" | "alibi" | "hard_alibi"
  double rope_base = 10000.0;
  // pos = hard_alibi: one window per head, 0 = unlimited (kernels/attention_positions.h);
  // empty for every other pos. A config's [] means kernels::hard_alibi_windows(n_head).
  std::vector<int64_t> hard_alibi_windows;
  int64_t max_len = 2048;    // learned positions only
  int64_t window = 0;        // 0 = full causal attention; W > 0: attend to the last W tokens
  int64_t mlp_ratio = 4;
  // Hybrid: the layers (0-based, ascending) that are Transformer blocks; the others are Mamba
  // blocks (mamba_ssm's attn_layer_idx).
  std::vector<int64_t> attn_layers = {1};
  // LSTM: the hidden (and cell) size H of each block's LSTM; 0 in a user config = d_model.
  int64_t lstm_hidden = 0;
  // Mamba-2 (also reads d_state, d_conv, expand, dt_min, dt_max, dt_init_floor): head dimension P
  // (Di / P heads, each with one scalar decay) and the number G of B/C groups (heads share them).
  int64_t headdim = 16;
  int64_t ngroups = 1;
  // Linear attention (also reads n_head, mlp_ratio): the decay α of y_i = Σ_j α_ij (q_i·k_j) v_j:
  // "none" (α = 1), "fixed" (one constant γ_h per head, RetNet's 1 − 2^(−5−h)) or "gla" (a
  // data-dependent gate per key channel).
  std::string decay = "gla";

  bool is_mamba() const { return family == ModelFamily::mamba; }
  // The family of block i: Mamba or Transformer (a hybrid's layer i is a Transformer block when
  // attn_layers holds i).
  ModelFamily layer_family(int64_t i) const;
  // True when some block attends (a Transformer, or a hybrid): pos, window and the KV cache apply.
  bool has_attention() const { return family == ModelFamily::transformer || family == ModelFamily::hybrid; }
  // True when some block is Mamba-1 (a Mamba, or a hybrid); Mamba-2 is family mamba2.
  bool has_mamba() const { return family == ModelFamily::mamba || family == ModelFamily::hybrid; }
  // What the report and progress bars call the model: "mamba d32×2 N8", "transformer d64×2",
  // "window W8 d64×2" (a Transformer with a sliding window), "hybrid d32×4 N8 attn 1,3" (with a
  // window: "hybrid d32×4 N8 attn 1,3 W8"), "lstm d64×2" (with lstm_hidden ≠ d_model: "lstm d64×2 H128"),
  // "mamba2 d32×2 N16 P16", "linear gla d64×2".
  std::string label() const;
  // Attention with pos = "learned" encodes positions 0 … max_len − 1 only.
  bool learned_positions() const { return has_attention() && pos == "learned"; }
  // The attention's positional scheme: window, RoPE base, ALiBi slopes, Hard-ALiBi windows.
  kernels::AttentionPositions attention_positions() const;
  int64_t d_inner() const { return expand * d_model; }
  int64_t head_dim() const { return d_model / n_head; }
  int64_t lstm_size() const { return lstm_hidden > 0 ? lstm_hidden : d_model; }  // LSTM: H
  int64_t mamba2_heads() const { return d_inner() / headdim; }                    // Mamba-2: Hm = Di / P
  int64_t mamba2_conv_dim() const { return d_inner() + 2 * ngroups * d_state; }  // Mamba-2: conv over [x; B; C]
  // Linear attention with decay = "fixed": log γ_h for head h, γ_h = 1 − 2^(−5−h).
  static double fixed_log_decay(int64_t head) { return std::log1p(-std::exp2(-5.0 - static_cast<double>(head))); }

  static std::vector<ParamSpec> specs();
  // Reads "model.*" values and checks cross-field constraints (throws fl::Error).
  static ModelConfig from(const ParamValues& values, int64_t task_vocab_size);
  Json to_json() const;  // the "model" object of a checkpoint's config.json
  // The inverse of to_json, for stored results (cost.json): keys it lacks keep their defaults,
  // but not "type" and a Transformer's "window"; nlohmann's exception names a missing key or a
  // wrong type, fl::Error an unknown family.
  static ModelConfig from_json(const Json& json);
  // Whether a model of `family` reads `key` ("model.d_state": Mamba, hybrid and Mamba-2;
  // "model.window": Transformer and hybrid; "model.attn_layers": hybrid; "model.lstm_hidden": lstm;
  // "model.headdim": mamba2; "model.decay": linear). Keys outside "model.*" and the keys
  // every family reads: true.
  static bool reads(ModelFamily family, const std::string& key);
  // The families that read `key`, joined by ", " and `last_separator` before the last ("mamba,
  // hybrid or mamba2" with " or "); all of them for a key every family reads.
  static std::string families_reading(const std::string& key, const std::string& last_separator);
};

}  // namespace fl
