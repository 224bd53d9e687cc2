// How one model family is spelled outside freelunch: its tensors and hyper-parameters under
// Hugging Face transformers' names and under llama.cpp's GGUF names (docs/EXPORT.md). Export and
// import read only this table, so a new family is a new table (one .cpp), not new code.
// Torch-free.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "models/model_config.h"

namespace fl::interchange {

enum class Target { hf, gguf };
const char* to_string(Target target);                              // "hf", "gguf"
Target parse_target(const std::string& name, const std::string& what);  // fl::Error naming `what`

// What GGUF stores instead of freelunch's tensor (llama.cpp's convert_hf_to_gguf.py).
enum class GgufTransform {
  none,
  negative_exp,   // −exp(x): Mamba's A from A_log
  drop_unit_dim,  // (C, 1, K) → (C, K): the depthwise conv kernel without its unit axis
};

// One tensor under the three namings; "{i}" stands for the layer index. An empty gguf name: the
// tensor is not written to GGUF (the tied head, which llama.cpp rebuilds from the embedding).
// An empty hf name: not written to Hugging Face's file (the tied head, as save_pretrained does).
struct TensorNaming {
  std::string freelunch;  // = state-spaces/mamba's name, as in model.safetensors of a run
  std::string hf;
  std::string gguf;
  GgufTransform transform = GgufTransform::none;
};

// The value types of GGUF metadata this table uses (gguf-py's GGUFValueType).
enum class GgufType { uint32, float32, boolean, string };

// One hyper-parameter, with the function that computes it from a ModelConfig. `freelunch` is
// the config key it is read back into on import ("" for derived or fixed values, which import
// only checks); an empty `hf` or `gguf` means that format has no such key. GGUF keys are full
// names ("mamba.ssm.state_size"), written in table order.
struct ConfigNaming {
  std::string freelunch;
  std::string hf;
  std::string gguf;
  GgufType gguf_type = GgufType::uint32;
  Json (*value)(const ModelConfig& model) = nullptr;
  // What Hugging Face assumes when config.json lacks the key (MambaConfig's default); null: the
  // key is derived, nothing to assume.
  Json hf_default = nullptr;
  // On import, a config.json value other than `value` is refused (it would change the function);
  // false for keys that only steer initialisation or storage precision.
  bool must_match = true;
};

struct FamilyNaming {
  ModelFamily family;
  std::string hf_model_type;     // config.json's "model_type"
  std::string hf_architecture;   // config.json's "architectures"[0]
  std::string gguf_architecture; // "general.architecture"
  std::vector<TensorNaming> tensors;  // global tensors and per-layer ones ({i})
  std::string embedding, head;        // freelunch's names of the embedding and the head tied to it
  std::vector<ConfigNaming> config;
  // Why `model` cannot be written as `target`: "" if it can. One clause, e.g. "llama.cpp's mamba
  // supports expand = 2 only (model.expand = 4)".
  std::string (*unsupported)(const ModelConfig& model, Target target) = nullptr;
};

// The table of `family`; fl::Error "<what>: no export/import for <family> models" if there is none.
const FamilyNaming& family_naming(ModelFamily family, const std::string& what);
// The table whose Hugging Face model_type is `model_type`, or null.
const FamilyNaming* family_naming_for_hf(const std::string& model_type);

// The tables, one per file (mamba1_naming.cpp, …).
const FamilyNaming& mamba1_naming();

// `pattern` with "{i}" replaced by `layer`.
std::string layer_name(const std::string& pattern, int64_t layer);
// Every tensor of a model with `n_layer` layers, global rows once, per-layer rows per layer, in
// table order, "{i}" resolved.
std::vector<TensorNaming> expand_layers(const std::vector<TensorNaming>& rows, int64_t n_layer);

}  // namespace fl::interchange
