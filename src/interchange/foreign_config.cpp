#include "interchange/foreign_config.h"

#include "core/error.h"

namespace fl::interchange {

Json model_value(const std::string& key, const Json& value, const std::map<std::string, Json>& keys_so_far,
                 const std::string& where, const std::string& name) {
  if (key == "model.dt_rank" && value == "auto") {
    const int64_t d_model = keys_so_far.at("model.d_model").get<int64_t>();
    return (d_model + 15) / 16;
  }
  for (const auto& spec : ModelConfig::specs()) {
    if (spec.key != key) continue;
    const bool fits = spec.kind == Kind::Int ? value.is_number_integer() : value.is_number();
    require(fits, where + ": " + name + " = " + value.dump() + " must be " + kind_name(spec.kind));
  }
  return value;
}

namespace {

// HF's value of `row` in `config`, or MambaConfig's default when it is absent.
Json hf_value(const Json& config, const ConfigNaming& row) {
  return config.contains(row.hf) ? config[row.hf] : row.hf_default;
}

}  // namespace

ForeignModel hf_model(const Json& config, const std::string& where) {
  const Json type = config.value("model_type", Json());
  require(type.is_string(), where + ": model_type must be a string");
  ForeignModel out;
  out.naming = family_naming_for_hf(type.get<std::string>());
  require(out.naming != nullptr,
          where + ": model_type '" + type.get<std::string>() + "' is not one freelunch reads (mamba)");
  out.keys["model.type"] = to_string(out.naming->family);
  out.keys["model.norm"] = "rmsnorm";  // transformers' Mamba has no other norm
  for (const auto& row : out.naming->config) {
    if (row.freelunch.empty() || row.hf.empty()) continue;
    const Json value = hf_value(config, row);
    require(!value.is_null(), where + ": missing " + row.hf);
    out.keys[row.freelunch] = model_value(row.freelunch, value, out.keys, where, row.hf);
  }
  Json model = Json::object();
  for (const auto& [key, value] : out.keys) model[key.substr(std::string("model.").size())] = value;
  const ModelConfig resolved = ModelConfig::from_json(model);
  // The keys freelunch does not read back (fixed or derived) must say what freelunch computes.
  for (const auto& row : out.naming->config) {
    if (row.hf.empty() || !row.freelunch.empty() || !row.must_match) continue;
    const Json value = hf_value(config, row);
    if (value.is_null()) continue;  // derived (intermediate_size) and absent
    const Json needed = row.value(resolved);
    require(value == needed, where + ": " + row.hf + " = " + value.dump() + ", but freelunch's " +
                                 out.naming->hf_model_type + " has " + needed.dump());
  }
  const Json tie = config.value("tie_word_embeddings", Json(true));
  require(tie.is_boolean(), where + ": tie_word_embeddings must be true or false");
  out.tied_head = tie.get<bool>();
  return out;
}

}  // namespace fl::interchange
