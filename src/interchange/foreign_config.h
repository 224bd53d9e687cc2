// The model of a directory written by another tool, from its config.json: Hugging Face
// transformers' (model_type + MambaConfig's keys) or state-spaces/mamba's (MambaLMHeadModel's
// save_pretrained: d_model, n_layer, vocab_size, ssm_cfg, …), as freelunch's "model.*" keys.
// Whatever would make the model compute another function than freelunch's is refused with one
// fl::Error naming the key. Torch-free.
#pragma once
#include <map>
#include <string>

#include "core/config.h"
#include "interchange/family_naming.h"

namespace fl::interchange {

struct ForeignModel {
  const FamilyNaming* naming = nullptr;
  std::map<std::string, Json> keys;  // "model.type" → "mamba", "model.d_model" → 64, …
  bool tied_head = true;             // the head is the embedding (the file may leave it out)
};

// `where` names config.json in messages.
ForeignModel hf_model(const Json& config, const std::string& where);
ForeignModel mamba_ssm_model(const Json& config, const std::string& where);

// A value read for key `key` (its spec's kind checked: "<where>: <name> must be an integer"),
// with "auto" for model.dt_rank resolved to ceil(d_model / 16) as both tools define it.
Json model_value(const std::string& key, const Json& value, const std::map<std::string, Json>& keys_so_far,
                 const std::string& where, const std::string& name);

}  // namespace fl::interchange
