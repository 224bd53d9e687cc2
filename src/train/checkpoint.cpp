#include "train/checkpoint.h"

#include <cstring>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/safetensors.h"

namespace fl {

namespace fs = std::filesystem;

void save_checkpoint(const fs::path& dir, const LanguageModel& model, const RunConfig& config) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(!ec, dir.string() + ": cannot create directory: " + ec.message());
  safetensors::File file;
  file.metadata["format"] = "pt";  // as the PyTorch ecosystem expects
  for (const auto& [name, tensor] : model->named_weights()) {
    auto t = tensor.detach().to(torch::kFloat32).contiguous();
    safetensors::Tensor out{safetensors::DType::F32, t.sizes().vec(), std::string(t.numel() * sizeof(float), '\0')};
    std::memcpy(out.bytes.data(), t.data_ptr<float>(), out.bytes.size());
    file.tensors.emplace(name, std::move(out));
  }
  // Weights first, config last: a directory with a config.json always has its weights.
  safetensors::save(dir / "model.safetensors", file);
  write_file_atomic(dir / "config.json", config.to_json().dump(2) + "\n");
}

void load_weights(const fs::path& path, LanguageModel& model) {
  const auto file = safetensors::load(path);
  const std::string source = path.string();
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

LoadedCheckpoint load_checkpoint(const fs::path& dir) {
  require(fs::is_directory(dir), dir.string() + ": not a checkpoint directory");
  const fs::path config_path = dir / "config.json";
  require(fs::exists(config_path), dir.string() + ": missing config.json");
  LoadedCheckpoint ck;
  ck.config = RunConfig::load(config_path, {});
  ck.task = ck.config.make_task();
  ck.model = LanguageModel(ck.config.model);
  load_weights(dir / "model.safetensors", ck.model);
  ck.model->eval();
  return ck;
}

}  // namespace fl
