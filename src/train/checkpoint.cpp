#include "train/checkpoint.h"

#include <algorithm>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "interchange/foreign_checkpoint.h"
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
  if (manifest.is_null()) return read_file(path, memory_budget_bytes());
  const Json& files = manifest["files"];
  require(files.contains(name), path.string() + ": not listed in " + (dir / kManifestName).string());
  require(fs::exists(path), path.string() + ": missing (listed in " + (dir / kManifestName).string() + ")");
  std::string bytes = read_file(path, memory_budget_bytes());
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

std::vector<CheckpointFile> config_files(const RunConfig& config) {
  std::vector<CheckpointFile> files;
  if (!config.recorded_vocab.empty()) files.push_back({kVocabName, Json(config.recorded_vocab).dump() + "\n"});
  files.push_back({"config.json", config.to_json().dump(2) + "\n"});
  return files;
}

void save_checkpoint(const fs::path& dir, const LanguageModel& model, const RunConfig& config) {
  // Weights first, config next, manifest last: a directory with a config.json always has its weights.
  std::vector<CheckpointFile> files = {weights_file(model)};
  for (auto& file : config_files(config)) files.push_back(std::move(file));
  write_checkpoint_dir(dir, files);
}

namespace {

// The vocabulary a checkpoint recorded (vocab.json, verified against the manifest), or empty if
// it has none (a task without files, or a checkpoint older than vocab.json).
std::vector<std::string> read_recorded_vocab(const fs::path& dir, const Json& manifest) {
  const bool listed = manifest.is_null() ? fs::exists(dir / kVocabName) : manifest["files"].contains(kVocabName);
  if (!listed) return {};
  const Json names = Json::parse(read_checkpoint_file(dir, kVocabName, manifest), nullptr, false);
  const bool valid = names.is_array() && !names.empty() &&
                     std::all_of(names.begin(), names.end(), [](const Json& n) { return n.is_string(); });
  require(valid, (dir / kVocabName).string() + ": not a list of token names (damaged?)");
  return names.get<std::vector<std::string>>();
}

}  // namespace

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

namespace {

// The directory's manifest (null for a directory without one), after checking it is a checkpoint.
Json checkpoint_manifest(const fs::path& dir) {
  require(fs::is_directory(dir), dir.string() + ": not a checkpoint directory");
  require(fs::exists(dir / "config.json"),
          dir.string() + ": missing config.json" +
              (fs::exists(dir / "checkpoints") ? " (an unfinished run: its checkpoints are in " +
                                                     (dir / "checkpoints").string() + ")"
                                               : std::string()));
  return read_manifest(dir);
}

RunConfig checkpoint_config(const fs::path& dir, const Json& manifest) {
  read_checkpoint_file(dir, "config.json", manifest);  // verified before it is trusted
  return RunConfig::load(dir / "config.json", {}, read_recorded_vocab(dir, manifest));
}

// A directory another tool wrote (interchange/foreign_checkpoint.h), as a checkpoint without manifest.
LoadedCheckpoint load_foreign_checkpoint(const fs::path& dir, interchange::CheckpointLayout layout, bool with_weights) {
  auto foreign = interchange::read_foreign_checkpoint(dir, layout, with_weights);
  LoadedCheckpoint ck;
  ck.config = RunConfig::from_document(std::move(foreign.config), foreign.recorded_vocab);
  if (!with_weights) return ck;
  ck.task = ck.config.make_task();
  ck.model = LanguageModel(ck.config.model);
  load_weights(foreign.weights, foreign.weights_source, ck.model);
  ck.model->eval();
  return ck;
}

}  // namespace

RunConfig load_checkpoint_config(const fs::path& dir) {
  const auto layout = interchange::checkpoint_layout(dir);
  if (layout != interchange::CheckpointLayout::freelunch) return load_foreign_checkpoint(dir, layout, false).config;
  return checkpoint_config(dir, checkpoint_manifest(dir));
}

LoadedCheckpoint load_checkpoint(const fs::path& dir) {
  const auto layout = interchange::checkpoint_layout(dir);
  if (layout != interchange::CheckpointLayout::freelunch) return load_foreign_checkpoint(dir, layout, true);
  LoadedCheckpoint ck;
  ck.manifest = checkpoint_manifest(dir);
  ck.config = checkpoint_config(dir, ck.manifest);
  ck.task = ck.config.make_task();
  ck.model = LanguageModel(ck.config.model);
  const fs::path weights = dir / "model.safetensors";
  load_weights(safetensors::parse(read_checkpoint_file(dir, "model.safetensors", ck.manifest), weights.string()),
               weights.string(), ck.model);
  ck.model->eval();
  return ck;
}

}  // namespace fl
