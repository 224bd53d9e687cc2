// The model's hyper-parameters (keys "model.*"), shared by every mixer type. Torch-free.
// Letters as in docs/SOURCES.md: D = d_model, N = d_state, K = d_conv, E = expand, Di = E·D, R = dt_rank.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "kernels/attention_positions.h"
#include "models/model_family.h"

namespace fl {

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

  bool is_mamba() const { return family == ModelFamily::mamba; }
  // What the report and progress bars call the model: "mamba d32×2 N8", "transformer d64×2",
  // "window W8 d64×2" (a Transformer with a sliding window).
  std::string label() const;
  // A Transformer with pos = "learned" encodes positions 0 … max_len − 1 only.
  bool learned_positions() const { return !is_mamba() && pos == "learned"; }
  // The attention's positional scheme: window, RoPE base, ALiBi slopes, Hard-ALiBi windows.
  kernels::AttentionPositions attention_positions() const;
  int64_t d_inner() const { return expand * d_model; }
  int64_t head_dim() const { return d_model / n_head; }

  static std::vector<ParamSpec> specs();
  // Reads "model.*" values and checks cross-field constraints (throws fl::Error).
  static ModelConfig from(const ParamValues& values, int64_t task_vocab_size);
  Json to_json() const;  // the "model" object of a checkpoint's config.json
  // The inverse of to_json, for stored results (cost.json): keys it lacks keep their defaults,
  // but not "type" and a Transformer's "window"; nlohmann's exception names a missing key or a
  // wrong type, fl::Error an unknown family.
  static ModelConfig from_json(const Json& json);
  // The family of a key only it reads (Mamba: "model.d_state"; Transformer: "model.n_head",
  // "model.window"); nullopt for the keys every family reads.
  static std::optional<ModelFamily> family_of(const std::string& key);
};

}  // namespace fl
