#include "interchange/gguf_export.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/progress.h"

namespace fl::interchange {

namespace {

constexpr uint32_t kFileTypeAllF32 = 0;     // gguf-py LlamaFileType.ALL_F32
constexpr uint32_t kQuantizationVersion = 2;  // GGML_QUANT_VERSION

GgufValue gguf_value(const ConfigNaming& row, const Json& value) {
  switch (row.gguf_type) {
    case GgufType::uint32: return static_cast<uint32_t>(value.get<int64_t>());
    case GgufType::float32: return static_cast<float>(value.get<double>());
    case GgufType::boolean: return value.get<bool>();
    case GgufType::string: return value.get<std::string>();
  }
  return value.get<std::string>();
}

}  // namespace

std::vector<std::pair<std::string, GgufValue>> gguf_metadata(const ExportSource& source, const FamilyNaming& naming) {
  std::vector<std::pair<std::string, GgufValue>> kv = {
      {"general.architecture", naming.gguf_architecture},
      {"general.type", std::string("model")},
      {"general.name", "freelunch " + source.model.label()},
      {"general.file_type", kFileTypeAllF32},
      {"general.quantization_version", kQuantizationVersion},
  };
  for (const auto& row : naming.config)
    if (!row.gguf.empty()) kv.emplace_back(row.gguf, gguf_value(row, row.value(source.model)));

  const int64_t vocab = source.model.vocab_size;
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int64_t id = 0; id < vocab; ++id) {
    const bool used = id < static_cast<int64_t>(source.token_names.size());
    tokens.push_back(used ? source.token_names[id] : "<unused " + std::to_string(id) + ">");
    const bool control = id == source.pad_id || id == source.eos_id;
    types.push_back(static_cast<int32_t>(!used ? GgufTokenType::unused
                                         : control ? GgufTokenType::control
                                                   : GgufTokenType::normal));
  }
  kv.emplace_back("tokenizer.ggml.model", std::string("none"));
  kv.emplace_back("tokenizer.ggml.tokens", tokens);
  kv.emplace_back("tokenizer.ggml.token_type", types);
  kv.emplace_back("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(source.eos_id));
  kv.emplace_back("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(source.pad_id));
  return kv;
}

GgufTensor gguf_tensor(const TensorNaming& row, const safetensors::Tensor& tensor) {
  GgufTensor out{row.gguf, tensor.shape, tensor.bytes};
  switch (row.transform) {
    case GgufTransform::none: break;
    case GgufTransform::negative_exp: {
      const size_t n = out.bytes.size() / sizeof(float);
      for (size_t i = 0; i < n; ++i) {
        float v;
        std::memcpy(&v, out.bytes.data() + i * sizeof(float), sizeof v);
        v = -std::exp(v);
        std::memcpy(out.bytes.data() + i * sizeof(float), &v, sizeof v);
      }
      break;
    }
    case GgufTransform::drop_unit_dim:
      require(tensor.shape.size() == 3 && tensor.shape[1] == 1,
              "tensor '" + row.freelunch + "' is not (C, 1, K); GGUF stores it as (C, K)");
      out.shape = {tensor.shape[0], tensor.shape[2]};
      break;
  }
  return out;
}

std::vector<ExportFile> gguf_files(const ExportSource& source, const FamilyNaming& naming) {
  const auto rows = expand_layers(naming.tensors, source.model.n_layer);
  Progress progress("export gguf", static_cast<int64_t>(rows.size()));
  std::vector<GgufTensor> tensors;
  int64_t done = 0;
  for (const auto& row : rows) {
    const auto& tensor = source_tensor(source, row.freelunch);
    if (!row.gguf.empty()) tensors.push_back(gguf_tensor(row, tensor));
    progress.update(++done);
  }
  progress.finish();
  return {{kGgufName, serialize_gguf(gguf_metadata(source, naming), tensors)}};
}

}  // namespace fl::interchange
