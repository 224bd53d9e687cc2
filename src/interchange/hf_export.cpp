#include "interchange/hf_export.h"

#include "core/progress.h"
#include "interchange/sidecar.h"

namespace fl::interchange {

Json hf_config(const ExportSource& source, const FamilyNaming& naming) {
  Json config = {{"model_type", naming.hf_model_type}, {"architectures", Json::array({naming.hf_architecture})}};
  for (const auto& row : naming.config)
    if (!row.hf.empty()) config[row.hf] = row.value(source.model);
  // freelunch's vocabularies have padding and end tokens; a start token only as some tasks'
  // first symbol, which the prompt carries (tasks declare none).
  config["pad_token_id"] = source.pad_id;
  config["eos_token_id"] = source.eos_id;
  config["bos_token_id"] = nullptr;
  return config;
}

std::vector<ExportFile> hf_files(const ExportSource& source, const FamilyNaming& naming) {
  safetensors::File weights;
  weights.metadata["format"] = "pt";
  const auto rows = expand_layers(naming.tensors, source.model.n_layer);
  Progress progress("export hf", static_cast<int64_t>(rows.size()));
  int64_t done = 0;
  for (const auto& row : rows) {
    const auto& tensor = source_tensor(source, row.freelunch);
    if (!row.hf.empty()) weights.tensors.emplace(row.hf, tensor);
    progress.update(++done);
  }
  progress.finish();
  return {{"model.safetensors", safetensors::serialize(weights)},
          {kSidecarName, sidecar_json(source.run_config, source.recorded_vocab)},
          {"config.json", hf_config(source, naming).dump(2) + "\n"}};
}

}  // namespace fl::interchange
