#include "train/train_state.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>
#include <set>

#include "core/error.h"
#include "train/checkpoint.h"
#include "train/tensor_bytes.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

const std::string kStateFile = "train_state.safetensors";
const std::string kProgressFile = "progress.json";
const std::string kGenerator = "generator.torch_cpu";

// How libtorch's optimizers key their per-parameter state.
std::string state_key(const torch::Tensor& parameter) {
  return c10::guts::to_string(parameter.unsafeGetTensorImpl());
}

torch::Tensor generator_state() {  // (n) uint8
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(const torch::Tensor& state) {  // (n) uint8
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

}  // namespace

Json TrainingProgress::to_json() const {
  return {{"step", step},
          {"threads", threads},
          {"kernels", kernels},
          {"engine", engine},
          {"metrics_bytes", metrics_bytes},
          {"elapsed_s", elapsed_s},
          {"train_seconds", train_seconds},
          {"tokens", tokens},
          {"interval", {{"loss_sum", interval_loss_sum}, {"steps", interval_steps}, {"tokens", interval_tokens},
                        {"seconds", interval_seconds}}},
          {"data", data}};
}

TrainingProgress TrainingProgress::from_json(const Json& j, const std::string& source) {
  try {
    TrainingProgress p;
    p.step = j.at("step").get<int64_t>();
    p.threads = j.at("threads").get<int64_t>();
    p.kernels = j.at("kernels").get<std::string>();
    p.engine = j.value("engine", std::string("libtorch"));
    p.metrics_bytes = j.at("metrics_bytes").get<uint64_t>();
    p.elapsed_s = j.at("elapsed_s").get<double>();
    p.train_seconds = j.at("train_seconds").get<double>();
    p.tokens = j.at("tokens").get<int64_t>();
    const Json& interval = j.at("interval");
    p.interval_loss_sum = interval.at("loss_sum").get<double>();
    p.interval_steps = interval.at("steps").get<int64_t>();
    p.interval_tokens = interval.at("tokens").get<int64_t>();
    p.interval_seconds = interval.at("seconds").get<double>();
    p.data = j.at("data");
    return p;
  } catch (const Json::exception& e) {
    throw Error(source + ": malformed training progress: " + e.what());
  }
}

AdamWStates adamw_states(const LanguageModel& model, const torch::optim::AdamW& optimizer) {
  AdamWStates out;
  const auto& states = optimizer.state();
  for (const auto& p : model->named_parameters()) {
    const auto it = states.find(state_key(p.value()));
    if (it == states.end()) continue;  // no step taken yet
    const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    out[p.key()] = {s.step(), s.exp_avg(), s.exp_avg_sq()};
  }
  return out;
}

void set_adamw_states(const LanguageModel& model, const AdamWStates& states, torch::optim::AdamW& optimizer) {
  for (const auto& p : model->named_parameters()) {
    const auto it = states.find(p.key());
    if (it == states.end()) continue;
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    s->step(it->second.step);
    s->exp_avg(it->second.exp_avg);
    s->exp_avg_sq(it->second.exp_avg_sq);
    optimizer.state()[state_key(p.value())] = std::move(s);
  }
}

void save_training_checkpoint(const fs::path& dir, const LanguageModel& model, const AdamWStates& optimizer,
                              const RunConfig& config, const TrainingProgress& progress) {
  safetensors::File state;
  for (const auto& p : model->named_parameters()) {
    const auto it = optimizer.find(p.key());
    if (it == optimizer.end()) continue;  // no step taken yet
    const auto& s = it->second;
    const std::string prefix = "adamw." + p.key() + ".";
    state.tensors.emplace(prefix + "step", to_safetensor(torch::scalar_tensor(s.step, torch::kInt64)));
    state.tensors.emplace(prefix + "exp_avg", to_safetensor(s.exp_avg));        // (shape of p)
    state.tensors.emplace(prefix + "exp_avg_sq", to_safetensor(s.exp_avg_sq));  // (shape of p)
  }
  state.tensors.emplace(kGenerator, to_safetensor(generator_state()));
  std::vector<CheckpointFile> files = {weights_file(model),
                                      {kStateFile, safetensors::serialize(state)},
                                      {kProgressFile, progress.to_json().dump(2) + "\n"}};
  for (auto& file : config_files(config)) files.push_back(std::move(file));
  write_checkpoint_dir(dir, files);
}

TrainingState load_training_state(const fs::path& dir, const Json& manifest, const LanguageModel& model) {
  require(!manifest.is_null(), dir.string() + ": no " + kManifestName + ": not a training checkpoint");
  const std::string source = (dir / kStateFile).string();
  const auto state = safetensors::parse(read_checkpoint_file(dir, kStateFile, manifest), source);

  std::set<std::string> known = {kGenerator};
  TrainingState out;
  for (const auto& p : model->named_parameters()) {
    const std::string prefix = "adamw." + p.key() + ".";
    if (state.tensors.count(prefix + "step") == 0) continue;
    for (const char* part : {"step", "exp_avg", "exp_avg_sq"}) known.insert(prefix + part);
    const auto shape = p.value().sizes().vec();
    out.optimizer[p.key()] = {
        from_safetensor(state, prefix + "step", source, safetensors::DType::I64, {}).item<int64_t>(),
        from_safetensor(state, prefix + "exp_avg", source, safetensors::DType::F32, shape),
        from_safetensor(state, prefix + "exp_avg_sq", source, safetensors::DType::F32, shape)};
  }
  for (const auto& [name, t] : state.tensors)
    require(known.count(name) != 0, source + ": unexpected tensor '" + name + "' for this model configuration");

  set_generator_state(
      from_safetensor(state, kGenerator, source, safetensors::DType::U8, generator_state().sizes().vec()));

  const std::string progress_path = (dir / kProgressFile).string();
  const Json progress = Json::parse(read_checkpoint_file(dir, kProgressFile, manifest), nullptr, false);
  require(!progress.is_discarded(), progress_path + ": not valid JSON");
  out.progress = TrainingProgress::from_json(progress, progress_path);
  return out;
}

}  // namespace fl
