// state-spaces/mamba's config.json (mamba_ssm/models/config_mamba.py, MambaConfig, as
// MambaLMHeadModel.save_pretrained writes it) → freelunch's model keys. Mamba-1 only.
#include "core/error.h"
#include "interchange/foreign_config.h"

namespace fl::interchange {

namespace {

struct SsmKey {
  const char* name;  // in ssm_cfg (mamba_ssm/modules/mamba_simple.py, Mamba's arguments)
  const char* freelunch;
  Json fallback;     // Mamba's default
};

const std::vector<SsmKey>& ssm_keys() {
  static const std::vector<SsmKey> keys = {
      {"d_state", "model.d_state", 16},     {"d_conv", "model.d_conv", 4},     {"expand", "model.expand", 2},
      {"dt_rank", "model.dt_rank", "auto"}, {"dt_min", "model.dt_min", 0.001}, {"dt_max", "model.dt_max", 0.1},
      {"dt_init_floor", "model.dt_init_floor", 1e-4},
  };
  return keys;
}

}  // namespace

ForeignModel mamba_ssm_model(const Json& config, const std::string& where) {
  ForeignModel out;
  out.naming = &mamba1_naming();
  const auto get = [&](const Json& object, const std::string& key, const Json& fallback) {
    return object.contains(key) ? object[key] : fallback;
  };
  const Json ssm = get(config, "ssm_cfg", Json::object());
  require(ssm.is_object(), where + ": ssm_cfg must be an object");
  const Json layer = get(ssm, "layer", "Mamba1");
  require(layer == "Mamba1", where + ": ssm_cfg.layer = " + layer.dump() + " (freelunch reads Mamba1 models)");
  require(get(ssm, "bias", false) == false, where + ": ssm_cfg.bias = true (freelunch's in_proj and out_proj have none)");
  require(get(ssm, "conv_bias", true) == true, where + ": ssm_cfg.conv_bias = false (freelunch's conv has a bias)");
  require(get(config, "d_intermediate", 0) == 0, where + ": d_intermediate ≠ 0 (MLP blocks; freelunch has none)");
  const Json attention = get(config, "attn_layer_idx", Json::array());
  require(attention.is_array() && attention.empty(), where + ": attn_layer_idx is not empty (hybrid models are not read)");

  out.keys["model.type"] = "mamba";
  for (const char* key : {"d_model", "n_layer", "vocab_size"}) {
    require(config.contains(key), where + ": missing " + key);
    out.keys[std::string("model.") + key] = model_value(std::string("model.") + key, config[key], out.keys, where, key);
  }
  // MambaLMHeadModel pads the vocabulary to a multiple of pad_vocab_size_multiple.
  const Json multiple = get(config, "pad_vocab_size_multiple", 8);
  require(multiple.is_number_integer() && multiple.get<int64_t>() >= 1,
          where + ": pad_vocab_size_multiple must be a positive integer");
  const int64_t m = multiple.get<int64_t>(), vocab = out.keys["model.vocab_size"].get<int64_t>();
  out.keys["model.vocab_size"] = (vocab + m - 1) / m * m;
  const Json rms = get(config, "rms_norm", true);
  require(rms.is_boolean(), where + ": rms_norm must be true or false");
  out.keys["model.norm"] = rms.get<bool>() ? "rmsnorm" : "layernorm";
  out.keys["model.norm_eps"] = model_value("model.norm_eps", get(config, "norm_epsilon", 1e-5), out.keys, where,
                                           "norm_epsilon");
  for (const auto& key : ssm_keys())
    out.keys[key.freelunch] =
        model_value(key.freelunch, get(ssm, key.name, key.fallback), out.keys, where, std::string("ssm_cfg.") + key.name);
  const Json tie = get(config, "tie_embeddings", true);
  require(tie.is_boolean(), where + ": tie_embeddings must be true or false");
  out.tied_head = tie.get<bool>();
  return out;
}

}  // namespace fl::interchange
