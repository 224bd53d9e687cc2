#include "train/checkpoint.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "train/checksum.h"
#include "train/tensor_bytes.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

constexpr int kManifestFormat = 1;

}  // namespace

void write_checkpoint_dir(const fs::path& dir, const std::vector<CheckpointFile>& files) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(!ec, dir.string() + ": cannot create directory: " + ec.message());
  Json listed = Json::object();
  for (const auto& file : files) {
    write_file_atomic(dir / file.name, file.bytes);
    listed[file.name] = {{"bytes", file.bytes.size()}, {"fnv1a64", fnv1a64_hex(file.bytes)}};
  }
  write_file_atomic(dir / kManifestName, Json{{"format", kManifestFormat}, {"files", listed}}.dump(2) + "\n");
}

Json read_manifest(const fs::path& dir) {
  const fs::path path = dir / kManifestName;
  if (!fs::exists(path)) return nullptr;
  const std::string text = read_file(path);
  Json manifest = Json::parse(text, nullptr, false);
  require(!manifest.is_discarded() && manifest.is_object() && manifest.contains("files") &&
              manifest["files"].is_object() && manifest.contains("format") && manifest["format"].is_number_integer(),
          path.string() + ": not a checkpoint manifest (damaged?)");
  require(manifest["format"] == kManifestFormat,
          path.string() + ": checkpoint format " + manifest["format"].dump() + " (this freelunch reads format " +
              std::to_string(kManifestFormat) + ")");
  for (const auto& item : manifest["files"].items()) {
    const Json& entry = item.value();
    require(entry.is_object() && entry.contains("bytes") && entry["bytes"].is_number_unsigned() &&
                entry.contains("fnv1a64") && entry["fnv1a64"].is_string(),
            path.string() + ": malformed entry for '" + item.key() + "' (damaged?)");
  }
  return manifest;
}

std::string read_checkpoint_file(const fs::path& dir, const std::string& name, const Json& manifest) {
  const fs::path path = dir / name;
  if (manifest.is_null()) return read_file(path);
  const Json& files = manifest["files"];
  require(files.contains(name), path.string() + ": not listed in " + (dir / kManifestName).string());
  require(fs::exists(path), path.string() + ": missing (listed in " + (dir / kManifestName).string() + ")");
  std::string bytes = read_file(path);
  const Json& expected = files[name];
  require(expected["bytes"].get<uint64_t>() == bytes.size(),
          path.string() + ": damaged: " + std::to_string(bytes.size()) + " bytes, the manifest says " +
              expected["bytes"].dump());
  const std::string sum = fnv1a64_hex(bytes);
  require(expected["fnv1a64"].get<std::string>() == sum,
          path.string() + ": damaged: checksum " + sum + ", the manifest says " + expected["fnv1a64"].get<std::string>());
  return bytes;
}

CheckpointFile weights_file(const LanguageModel& model) {
  safetensors::File file;
  file.metadata["format"] = "pt";  // as the PyTorch ecosystem expects
  for (const auto& [name, tensor] : model->named_weights())
    file.tensors.emplace(name, to_safetensor(tensor.to(torch::kFloat32)));
  return {"model.safetensors", safetensors::serialize(file)};
}

CheckpointFile config_file(const RunConfig& config) { return {"config.json", config.to_json().dump(2) + "\n"}; }

void save_checkpoint(const fs::path& dir, const LanguageModel& model, const RunConfig& config) {
  // Weights first, config next, manifest last: a directory with a config.json always has its weights.
  write_checkpoint_dir(dir, {weights_file(model), config_file(config)});
}

void load_weights(const safetensors::File& file, const std::string& source, LanguageModel& model) {
  std::map<std::string, torch::Tensor> expected;
  for (const auto& [name, tensor] : model->named_weights()) expected.emplace(name, tensor);
  for (const auto& [name, t] : file.tensors)
    require(expected.count(name) != 0, source + ": unexpected tensor '" + name + "' for this model configuration");

  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : expected) {
    const auto& t = file.at(name, source);
    require(t.dtype == safetensors::DType::F32, source + ": tensor '" + name + "' has dtype " +
                                                    safetensors::dtype_name(t.dtype) + ", expected F32");
    require(t.shape == target.sizes().vec(), source + ": tensor '" + name + "' has shape " +
                                                 c10::str(c10::IntArrayRef(t.shape)) + ", the config needs " +
                                                 c10::str(target.sizes()));
    auto values = torch::from_blob(const_cast<char*>(t.bytes.data()), target.sizes(), torch::kFloat32);
    if (name == "lm_head.weight") {
      require(torch::equal(values, target), source + ": lm_head.weight differs from backbone.embedding.weight "
                                                     "(freelunch models tie the head to the embedding)");
      continue;
    }
    target.copy_(values);
  }
}

void load_weights(const fs::path& path, LanguageModel& model) {
  load_weights(safetensors::load(path), path.string(), model);
}

LoadedCheckpoint load_checkpoint(const fs::path& dir) {
  require(fs::is_directory(dir), dir.string() + ": not a checkpoint directory");
  const fs::path config_path = dir / "config.json";
  require(fs::exists(config_path),
          dir.string() + ": missing config.json" +
              (fs::exists(dir / "checkpoints") ? " (an unfinished run: its checkpoints are in " +
                                                     (dir / "checkpoints").string() + ")"
                                               : std::string()));
  LoadedCheckpoint ck;
  ck.manifest = read_manifest(dir);
  read_checkpoint_file(dir, "config.json", ck.manifest);  // verified before it is trusted
  ck.config = RunConfig::load(config_path, {});
  ck.task = ck.config.make_task();
  ck.model = LanguageModel(ck.config.model);
  const fs::path weights = dir / "model.safetensors";
  load_weights(safetensors::parse(read_checkpoint_file(dir, "model.safetensors", ck.manifest), weights.string()),
               weights.string(), ck.model);
  ck.model->eval();
  return ck;
}

}  // namespace fl
