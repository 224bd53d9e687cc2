// A GGUF v3 file for llama.cpp (gguf_writer.h): the family's metadata keys, a tokenizer section
// that marks the vocabulary as custom, and the tensors under GGUF names with llama.cpp's
// transformations (family_naming.h), all float32. Torch-free.
//
// Tokenizer section: tokenizer.ggml.model = "none" (llama.cpp's model without a text tokenizer:
// it runs on token ids, the vocabulary size from <arch>.vocab_size), tokenizer.ggml.tokens =
// freelunch's token names ("<unused N>" for ids the task does not use), tokenizer.ggml.token_type
// (1 normal, 3 control for padding and end, 5 unused), tokenizer.ggml.eos_token_id and
// tokenizer.ggml.padding_token_id.
#pragma once
#include <vector>

#include "interchange/export_source.h"
#include "interchange/family_naming.h"
#include "interchange/gguf_writer.h"

namespace fl::interchange {

inline constexpr const char* kGgufName = "model.gguf";

// gguf-py's TokenType values used here.
enum class GgufTokenType : int32_t { normal = 1, control = 3, unused = 5 };

std::vector<ExportFile> gguf_files(const ExportSource& source, const FamilyNaming& naming);

// The metadata in write order (general.*, the family's keys, the tokenizer section).
std::vector<std::pair<std::string, GgufValue>> gguf_metadata(const ExportSource& source, const FamilyNaming& naming);

// The tensor GGUF stores for `row` (its transformation applied to `tensor`, freelunch's F32).
GgufTensor gguf_tensor(const TensorNaming& row, const safetensors::Tensor& tensor);

}  // namespace fl::interchange
