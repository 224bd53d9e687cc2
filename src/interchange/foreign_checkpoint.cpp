#include "interchange/foreign_checkpoint.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "interchange/foreign_config.h"
#include "interchange/sidecar.h"

namespace fl::interchange {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifestName = "checkpoint.json";  // freelunch's own checkpoints (train/checkpoint.h)

Json parsed_config(const fs::path& dir) {
  const fs::path path = dir / "config.json";
  require(fs::exists(path), path.string() + ": missing");
  return Json::parse(read_file(path), nullptr, false);
}

// The run configuration: freelunch.json's, with the model keys config.json gives (which the
// sidecar may repeat but not contradict).
RawConfig run_config(const Sidecar& sidecar, const ForeignModel& model, const fs::path& dir) {
  RawConfig raw = sidecar.config;
  for (const auto& [key, value] : model.keys) {
    const auto it = raw.values.find(key);
    require(it == raw.values.end() || it->second == value,
            (dir / kSidecarName).string() + ": " + key + " = " + (it == raw.values.end() ? "" : it->second.dump()) +
                ", but config.json gives " + value.dump());
    raw.values[key] = value;
  }
  return raw;
}

safetensors::File read_weights(const fs::path& dir, const std::string& source) {
  const fs::path path = dir / "model.safetensors";
  if (!fs::exists(path)) {
    require(!fs::exists(dir / "pytorch_model.bin"),
            (dir / "pytorch_model.bin").string() + ": a Python pickle, which freelunch does not read; save the "
                                                   "weights as model.safetensors (safetensors.torch.save_file)");
    require(!fs::exists(dir / "model.safetensors.index.json"),
            (dir / "model.safetensors.index.json").string() + ": weights split into shards are not read; "
                                                              "merge them into one model.safetensors");
    throw Error(source + ": missing");
  }
  return safetensors::parse(read_file(path, memory_budget_bytes()), source);
}

// The tensors under freelunch's names: the family's Hugging Face names renamed (freelunch's own
// names, which transformers also accepts, pass as they are) and the tied head added.
safetensors::File freelunch_names(safetensors::File file, const ForeignModel& model, const std::string& source) {
  const FamilyNaming& naming = *model.naming;
  safetensors::File out;
  out.metadata = file.metadata;
  std::map<std::string, std::string> renamed;
  for (const auto& row : expand_layers(naming.tensors, model.keys.at("model.n_layer").get<int64_t>()))
    if (!row.hf.empty()) renamed[row.hf] = row.freelunch;
  for (auto& [name, tensor] : file.tensors) {
    const auto it = renamed.find(name);
    const std::string ours = it == renamed.end() ? name : it->second;
    require(out.tensors.count(ours) == 0, source + ": tensor '" + ours + "' twice (as '" + name + "' too)");
    out.tensors.emplace(ours, std::move(tensor));
  }
  if (out.tensors.count(naming.head) == 0) {
    require(model.tied_head, source + ": no '" + naming.head + "' and the head is not tied to the embedding");
    out.tensors.emplace(naming.head, out.at(naming.embedding, source));
  }
  return out;
}

}  // namespace

CheckpointLayout checkpoint_layout(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec) || fs::exists(dir / kManifestName, ec) || !fs::exists(dir / "config.json", ec))
    return CheckpointLayout::freelunch;
  const Json config = parsed_config(dir);
  if (config.is_discarded() || !config.is_object() || config.contains("model")) return CheckpointLayout::freelunch;
  if (config.contains("model_type")) return CheckpointLayout::hf;
  if (config.contains("d_model") && config.contains("n_layer")) return CheckpointLayout::mamba_ssm;
  return CheckpointLayout::freelunch;
}

ForeignCheckpoint read_foreign_checkpoint(const fs::path& dir, CheckpointLayout layout, bool with_weights) {
  const std::string where = (dir / "config.json").string();
  const Json config = parsed_config(dir);
  const ForeignModel model = layout == CheckpointLayout::hf ? hf_model(config, where) : mamba_ssm_model(config, where);
  Sidecar sidecar = read_sidecar(dir);
  ForeignCheckpoint out{run_config(sidecar, model, dir), std::move(sidecar.vocab), {},
                        (dir / "model.safetensors").string()};
  if (with_weights) out.weights = freelunch_names(read_weights(dir, out.weights_source), model, out.weights_source);
  return out;
}

}  // namespace fl::interchange
