// A GGUF v3 reader for the tests, written from the format's description (llama.cpp's
// gguf-py/gguf/constants.py and gguf_writer.py, docs/EXPORT.md), independently of
// src/interchange/gguf_writer: it reads every value type of the format and checks the layout
// (alignment, offsets inside the data section) as it goes. Any defect throws std::runtime_error.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace fl::test_support {

struct GgufReadValue {
  uint32_t type = 0;       // GGUFValueType: 0 u8 … 12 f64
  uint32_t item_type = 0;  // for arrays (type 9)
  uint64_t u = 0;          // unsigned integers and bool
  int64_t i = 0;           // signed integers
  double f = 0;            // f32, f64
  std::string s;           // string
  std::vector<GgufReadValue> items;  // array
};

struct GgufReadTensor {
  std::string name;
  std::vector<uint64_t> dims;  // as stored: ggml order (fastest-varying first)
  uint32_t type = 0;
  uint64_t offset = 0;         // from the data section's start
};

struct GgufRead {
  uint32_t version = 0;
  std::vector<std::pair<std::string, GgufReadValue>> metadata;  // file order
  std::vector<GgufReadTensor> tensors;                            // file order
  uint64_t alignment = 32;
  uint64_t data_start = 0;  // absolute file offset of the data section
  std::string file;

  const GgufReadValue& value(const std::string& key) const;  // throws if absent
  // The F32 data of tensor `name` (throws unless type 0 and inside the file).
  std::vector<float> floats(const std::string& name) const;
};

GgufRead read_gguf(const std::string& bytes);

}  // namespace fl::test_support
