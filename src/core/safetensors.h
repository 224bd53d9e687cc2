// The safetensors file format (https://github.com/huggingface/safetensors), torch-free:
//   8 bytes   N, the header length, little-endian uint64
//   N bytes   UTF-8 JSON object, padded with spaces (writers pad so 8 + N is a multiple of 8):
//               {"__metadata__": {"key": "value", ...},     (optional, string -> string)
//                "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//   the rest  the data buffer; a tensor's bytes are [begin, end) relative to its start,
//             little-endian, row-major. Tensors cover the buffer exactly: no gaps, no overlaps.
// Tensors here are raw bytes plus dtype and shape; conversion to torch lives elsewhere.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fl::safetensors {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

std::size_t dtype_size(DType dtype);       // bytes per element
const char* dtype_name(DType dtype);       // as spelled in headers: "F32", "BF16", "BOOL", ...
DType parse_dtype(std::string_view name);  // inverse of dtype_name; fl::Error on an unknown name

struct Tensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;  // {} for a 0-d scalar
  std::string bytes;           // numel() * dtype_size(dtype) bytes, little-endian, row-major
  int64_t numel() const;       // product of shape; 1 for a scalar
};

struct File {
  std::map<std::string, std::string> metadata;  // the optional "__metadata__" entry
  std::map<std::string, Tensor> tensors;        // by name
  // The tensor called `name`; fl::Error "<source>: missing tensor '<name>'" if there is none.
  const Tensor& at(const std::string& name, const std::string& source) const;
};

bool operator==(const Tensor& a, const Tensor& b);
bool operator==(const File& a, const File& b);

// The file's bytes: data laid out in name order, header padded with spaces to a multiple of 8.
// fl::Error if a tensor's byte count does not match its shape and dtype, or a name is empty,
// "__metadata__" or not UTF-8.
std::string serialize(const File& file);
// Parses and fully validates `bytes`; every defect is an fl::Error "<source>: <problem>".
File parse(std::string_view bytes, const std::string& source);
void save(const std::filesystem::path& path, const File& file);  // atomic (write_file_atomic)
File load(const std::filesystem::path& path);

}  // namespace fl::safetensors
