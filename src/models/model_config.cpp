#include "models/model_config.h"

#include <algorithm>

#include "core/error.h"

namespace fl {

std::vector<ParamSpec> ModelConfig::specs() {
  const ModelConfig d;
  return {
      {"model.type", Kind::String, std::string(to_string(d.family)),
       "mixer: mamba, transformer, window (transformer with model.window > 0), hybrid (Mamba blocks with "
       "Transformer blocks at model.attn_layers), lstm (LSTM blocks), mamba2 (Mamba-2 / SSD blocks) or linear (linear "
       "attention blocks, decay model.decay)",
       {}, {}, {"mamba", "transformer", "window", "hybrid", "lstm", "mamba2", "linear"}},
      {"model.vocab_size", Kind::Int, d.vocab_size, "vocabulary size; 0 = the task's", 0, 1 << 24},
      {"model.d_model", Kind::Int, d.d_model, "residual width D", 1, 1 << 16},
      {"model.n_layer", Kind::Int, d.n_layer, "number of residual blocks", 1, 1024},
      {"model.norm", Kind::String, d.norm, "normalisation", {}, {}, {"rmsnorm", "layernorm"}},
      {"model.norm_eps", Kind::Float, d.norm_eps, "epsilon of the norms", 0.0, 1.0},
      {"model.d_state", Kind::Int, d.d_state, "Mamba state size N per channel", 1, 1 << 16},
      {"model.d_conv", Kind::Int, d.d_conv, "Mamba causal conv kernel K", 1, 64},
      {"model.expand", Kind::Int, d.expand, "Mamba expansion E (Di = E·D)", 1, 64},
      {"model.dt_rank", Kind::Int, d.dt_rank, "Mamba dt rank R; 0 = ceil(D/16)", 0, 1 << 16},
      {"model.dt_min", Kind::Float, d.dt_min, "Mamba dt init range, lower end", 1e-8, 10.0},
      {"model.dt_max", Kind::Float, d.dt_max, "Mamba dt init range, upper end", 1e-8, 10.0},
      {"model.dt_init_floor", Kind::Float, d.dt_init_floor, "Mamba dt init floor", 0.0, 10.0},
      {"model.n_head", Kind::Int, d.n_head, "attention heads (d_model must divide)", 1, 1024},
      {"model.pos", Kind::String, d.pos, "positions: rope, none, learned, alibi, hard_alibi (docs/SOURCES.md)", {}, {},
       {"rope", "none", "learned", "alibi", "hard_alibi"}},
      {"model.rope_base", Kind::Float, d.rope_base, "rotary base", 1.0, 1e9},
      {"model.hard_alibi_windows", Kind::IntList, Json::array(),
       "pos = hard_alibi: one window per head (head h sees its last w_h keys; 0 = unlimited); [] = heads h < "
       "n_head/2 see h + 1 keys, the rest unlimited",
       0, 1 << 24},
      {"model.max_len", Kind::Int, d.max_len, "longest sequence for learned positions", 1, 1 << 24},
      {"model.window", Kind::Int, d.window, "sliding window W (0 = full causal)", 0, 1 << 24},
      {"model.mlp_ratio", Kind::Int, d.mlp_ratio, "transformer MLP width / d_model", 1, 64},
      {"model.attn_layers", Kind::IntList, d.attn_layers,
       "hybrid: the layers (0-based) that are Transformer blocks; the others are Mamba", 0, 1023},
      {"model.lstm_hidden", Kind::Int, d.lstm_hidden, "LSTM hidden and cell size H (0 = d_model)", 0, 1 << 16},
      {"model.headdim", Kind::Int, d.headdim, "Mamba-2 head dimension P (expand·d_model / P heads)", 1, 1 << 16},
      {"model.ngroups", Kind::Int, d.ngroups, "Mamba-2 groups of B and C (the heads must divide into them)", 1, 1024},
      {"model.decay", Kind::String, d.decay,
       "linear attention decay: none (α = 1), fixed (γ_h = 1 − 2^(−5−h) per head) or gla (data-dependent gate)", {}, {},
       {"none", "fixed", "gla"}},
  };
}

ModelConfig ModelConfig::from(const ParamValues& v, int64_t task_vocab_size) {
  ModelConfig c;
  const std::string type = v.get_string("model.type");
  c.vocab_size = v.get_int("model.vocab_size");
  c.d_model = v.get_int("model.d_model");
  c.n_layer = v.get_int("model.n_layer");
  c.norm = v.get_string("model.norm");
  c.norm_eps = v.get_float("model.norm_eps");
  c.d_state = v.get_int("model.d_state");
  c.d_conv = v.get_int("model.d_conv");
  c.expand = v.get_int("model.expand");
  c.dt_rank = v.get_int("model.dt_rank");
  c.dt_min = v.get_float("model.dt_min");
  c.dt_max = v.get_float("model.dt_max");
  c.dt_init_floor = v.get_float("model.dt_init_floor");
  c.n_head = v.get_int("model.n_head");
  c.pos = v.get_string("model.pos");
  c.rope_base = v.get_float("model.rope_base");
  c.hard_alibi_windows = v.get_int_list("model.hard_alibi_windows");
  c.max_len = v.get_int("model.max_len");
  c.window = v.get_int("model.window");
  c.mlp_ratio = v.get_int("model.mlp_ratio");
  c.attn_layers = v.get_int_list("model.attn_layers");
  c.lstm_hidden = v.get_int("model.lstm_hidden");
  c.headdim = v.get_int("model.headdim");
  c.ngroups = v.get_int("model.ngroups");
  c.decay = v.get_string("model.decay");

  if (type == "window") require(c.window > 0, "model.type = window needs model.window > 0");
  c.family = type == "window" ? ModelFamily::transformer : parse_model_family(type, "model.type");
  if (c.vocab_size == 0) c.vocab_size = task_vocab_size;
  require(c.vocab_size >= task_vocab_size, "model.vocab_size = " + std::to_string(c.vocab_size) +
                                               " is smaller than the task's vocabulary (" +
                                               std::to_string(task_vocab_size) + ")");
  if (c.dt_rank == 0) c.dt_rank = (c.d_model + 15) / 16;
  c.lstm_hidden = c.lstm_size();
  if (c.has_mamba() || c.family == ModelFamily::mamba2) require(c.dt_min <= c.dt_max, "model.dt_min must be ≤ model.dt_max");
  if (c.family == ModelFamily::mamba2) {
    require(c.d_inner() % c.headdim == 0, "model.headdim = " + std::to_string(c.headdim) +
                                              " does not divide expand·d_model = " + std::to_string(c.d_inner()));
    require(c.mamba2_heads() % c.ngroups == 0, "model.ngroups = " + std::to_string(c.ngroups) +
                                                   " does not divide the " + std::to_string(c.mamba2_heads()) +
                                                   " heads (expand·d_model / model.headdim)");
  }
  if (c.family == ModelFamily::linear)
    require(c.d_model % c.n_head == 0, "model.d_model = " + std::to_string(c.d_model) +
                                           " is not divisible by model.n_head = " + std::to_string(c.n_head));
  if (c.has_attention()) {
    require(c.d_model % c.n_head == 0, "model.d_model = " + std::to_string(c.d_model) +
                                           " is not divisible by model.n_head = " + std::to_string(c.n_head));
    require(c.pos != "rope" || c.head_dim() % 2 == 0,
            "model.pos = rope needs an even head dimension (d_model / n_head = " + std::to_string(c.head_dim()) + ")");
  }
  if (c.family == ModelFamily::hybrid) {
    std::string list;
    for (int64_t i : c.attn_layers) list += (list.empty() ? "" : ",") + std::to_string(i);
    require(!c.attn_layers.empty(), "model.attn_layers is empty: a hybrid needs at least one Transformer layer");
    for (size_t k = 0; k < c.attn_layers.size(); ++k) {
      require(c.attn_layers[k] < c.n_layer, "model.attn_layers = " + list + ": layer " +
                                                std::to_string(c.attn_layers[k]) + " is beyond model.n_layer = " +
                                                std::to_string(c.n_layer) + " (layers count from 0)");
      require(k == 0 || c.attn_layers[k] > c.attn_layers[k - 1],
              "model.attn_layers = " + list + ": list each layer once, in ascending order");
    }
  }
  const auto windows = static_cast<int64_t>(c.hard_alibi_windows.size());
  if (!c.has_attention()) {
    c.hard_alibi_windows.clear();  // an attention key: RunConfig refuses it in a Mamba run's config
  } else if (c.pos != "hard_alibi") {
    require(windows == 0, "model.hard_alibi_windows is only read with model.pos = hard_alibi (model.pos = " + c.pos +
                              "); remove it");
  } else if (windows == 0) {
    c.hard_alibi_windows = kernels::hard_alibi_windows(c.n_head);
  } else {
    require(windows == c.n_head, "model.hard_alibi_windows has " + std::to_string(windows) +
                                     " values; it needs one per head (model.n_head = " + std::to_string(c.n_head) + ")");
  }
  // The weight matrices, estimated in floating point (the sizes can overflow int64): refuse a
  // model that could not be allocated rather than dying in the allocator.
  const double D = static_cast<double>(c.d_model), Di = static_cast<double>(c.d_inner());
  const double H = static_cast<double>(c.lstm_size());
  double parameters = static_cast<double>(c.vocab_size) * D;
  for (int64_t i = 0; i < c.n_layer; ++i) {
    switch (c.layer_family(i)) {
      case ModelFamily::mamba:
        parameters += 3 * D * Di + Di * static_cast<double>(2 * c.dt_rank + 2 * c.d_state + c.d_conv);
        break;
      case ModelFamily::lstm: parameters += 4 * H * (D + H) + H * D; break;  // W_ih, W_hh, out_proj
      case ModelFamily::mamba2:  // in_proj (z, x, B, C, dt), conv, out_proj
        parameters += D * (2 * Di + static_cast<double>(2 * c.ngroups * c.d_state + c.mamba2_heads())) + Di * D +
                      static_cast<double>(c.mamba2_conv_dim() * c.d_conv);
        break;
      case ModelFamily::linear:  // q, k, v, g, o, GLA's gate and the MLP
        parameters += (5 + 2 * static_cast<double>(c.mlp_ratio)) * D * D + 2 * static_cast<double>(kGlaGateRank) * D;
        break;
      default: parameters += (4 + 2 * static_cast<double>(c.mlp_ratio)) * D * D;
    }
  }
  require(parameters <= static_cast<double>(int64_t{1} << 31),
          "model.d_model, model.n_layer and model.vocab_size give about " + std::to_string(parameters / 1e9).substr(0, 5) +
              " billion parameters; at most 2.1 billion (2^31) are allowed");
  return c;
}

Json ModelConfig::to_json() const {
  Json j = {{"type", to_string(family)}, {"vocab_size", vocab_size}, {"d_model", d_model}, {"n_layer", n_layer},
            {"norm", norm}, {"norm_eps", norm_eps}};
  if (has_mamba())
    j.update({{"d_state", d_state}, {"d_conv", d_conv}, {"expand", expand}, {"dt_rank", dt_rank},
              {"dt_min", dt_min}, {"dt_max", dt_max}, {"dt_init_floor", dt_init_floor}});
  if (family == ModelFamily::mamba2)
    j.update({{"d_state", d_state}, {"d_conv", d_conv}, {"expand", expand}, {"dt_min", dt_min}, {"dt_max", dt_max},
              {"dt_init_floor", dt_init_floor}, {"headdim", headdim}, {"ngroups", ngroups}});
  if (family == ModelFamily::linear) j.update({{"n_head", n_head}, {"mlp_ratio", mlp_ratio}, {"decay", decay}});
  if (has_attention()) {
    j.update({{"n_head", n_head}, {"pos", pos}, {"rope_base", rope_base}, {"max_len", max_len},
              {"window", window}, {"mlp_ratio", mlp_ratio}});
    if (pos == "hard_alibi") j["hard_alibi_windows"] = hard_alibi_windows;
  }
  if (family == ModelFamily::hybrid) j["attn_layers"] = attn_layers;
  if (family == ModelFamily::lstm) j["lstm_hidden"] = lstm_size();
  return j;
}

ModelConfig ModelConfig::from_json(const Json& j) {
  ModelConfig c;
  c.family = parse_model_family(j.at("type").get<std::string>(), "model type");
  const auto read = [&](const char* key, auto& field) { field = j.value(key, field); };
  read("vocab_size", c.vocab_size), read("d_model", c.d_model), read("n_layer", c.n_layer);
  read("norm", c.norm), read("norm_eps", c.norm_eps);
  read("d_state", c.d_state), read("d_conv", c.d_conv), read("expand", c.expand), read("dt_rank", c.dt_rank);
  read("dt_min", c.dt_min), read("dt_max", c.dt_max), read("dt_init_floor", c.dt_init_floor);
  read("n_head", c.n_head), read("pos", c.pos), read("rope_base", c.rope_base), read("max_len", c.max_len);
  read("mlp_ratio", c.mlp_ratio), read("lstm_hidden", c.lstm_hidden);
  read("headdim", c.headdim), read("ngroups", c.ngroups), read("decay", c.decay);
  if (c.has_attention()) c.window = j.at("window").get<int64_t>();
  if (c.has_attention() && c.pos == "hard_alibi")
    c.hard_alibi_windows = j.at("hard_alibi_windows").get<std::vector<int64_t>>();
  if (c.family == ModelFamily::hybrid) c.attn_layers = j.at("attn_layers").get<std::vector<int64_t>>();
  return c;
}

ModelFamily ModelConfig::layer_family(int64_t i) const {
  if (family != ModelFamily::hybrid) return family;
  const bool attends = std::find(attn_layers.begin(), attn_layers.end(), i) != attn_layers.end();
  return attends ? ModelFamily::transformer : ModelFamily::mamba;
}

kernels::AttentionPositions ModelConfig::attention_positions() const {
  kernels::AttentionPositions p;
  p.window = window;
  if (pos == "rope") p.rope_base = rope_base;
  if (pos == "alibi") p.slopes = kernels::alibi_slopes(n_head);
  if (pos == "hard_alibi")  // a config built in code may leave the windows to the default
    p.head_windows = hard_alibi_windows.empty() ? kernels::hard_alibi_windows(n_head) : hard_alibi_windows;
  return p;
}

std::string ModelConfig::label() const {
  const std::string dims = "d" + std::to_string(d_model) + "×" + std::to_string(n_layer);
  switch (family) {
    case ModelFamily::mamba: return "mamba " + dims + " N" + std::to_string(d_state);
    case ModelFamily::transformer:
      return window > 0 ? "window W" + std::to_string(window) + " " + dims : "transformer " + dims;
    case ModelFamily::hybrid: {
      std::string layers;
      for (int64_t i : attn_layers) layers += (layers.empty() ? "" : ",") + std::to_string(i);
      return "hybrid " + dims + " N" + std::to_string(d_state) + " attn " + layers +
             (window > 0 ? " W" + std::to_string(window) : "");
    }
    case ModelFamily::lstm: return "lstm " + dims + (lstm_size() != d_model ? " H" + std::to_string(lstm_size()) : "");
    case ModelFamily::mamba2: return "mamba2 " + dims + " N" + std::to_string(d_state) + " P" + std::to_string(headdim);
    case ModelFamily::linear: return "linear " + decay + " " + dims;
  }
  return dims;
}

bool ModelConfig::reads(ModelFamily family, const std::string& key) {
  if (key.rfind("model.", 0) != 0) return true;
  ModelConfig c;
  c.family = family;
  c.pos = "hard_alibi";  // so that every attention key is in to_json
  return c.to_json().contains(key.substr(6));
}

std::string ModelConfig::families_reading(const std::string& key, const std::string& last_separator) {
  std::vector<std::string> names;
  for (ModelFamily f : kModelFamilies)
    if (reads(f, key)) names.emplace_back(to_string(f));
  std::string joined;
  for (size_t i = 0; i < names.size(); ++i)
    joined += (i == 0 ? "" : i + 1 == names.size() ? last_separator : ", ") + names[i];
  return joined;
}

}  // namespace fl
