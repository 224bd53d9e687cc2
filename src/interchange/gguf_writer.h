// The GGUF v3 file format (llama.cpp's gguf-py/gguf/gguf_writer.py and constants.py), writing
// only: float32 tensors and the metadata value types freelunch's exports use. Torch-free.
//   u32 magic "GGUF" (0x46554747), u32 version 3, u64 tensor count, u64 metadata count
//   metadata: string key, u32 value type, value          (strings: u64 byte length + UTF-8 bytes;
//                                                          arrays: u32 item type, u64 count, items)
//   tensor infos: string name, u32 n_dims, u64 dims in ggml order (the row-major shape reversed),
//                 u32 ggml type (F32 = 0), u64 offset from the start of the data section
//   zero padding to the alignment, then the data section: each tensor's bytes, padded with zeros
//   to the alignment (general.alignment; 32 when absent, as here)
// Everything little-endian.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace fl::interchange {

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian u32
inline constexpr uint32_t kGgufVersion = 3;
inline constexpr uint64_t kGgufAlignment = 32;

// gguf-py's GGUFValueType codes of the types below.
enum class GgufValueType : uint32_t { uint32 = 4, int32 = 5, float32 = 6, boolean = 7, string = 8, array = 9 };

using GgufValue = std::variant<uint32_t, int32_t, float, bool, std::string, std::vector<std::string>,
                               std::vector<int32_t>>;

struct GgufTensor {
  std::string name;
  std::vector<int64_t> shape;  // row-major (numpy) order; the file stores it reversed
  std::string bytes;           // float32, little-endian, row-major: numel · 4 bytes
};

// The whole file. fl::Error if a key or name repeats, a tensor's byte count does not match its
// shape, or an array is empty (gguf-py refuses those too).
std::string serialize_gguf(const std::vector<std::pair<std::string, GgufValue>>& metadata,
                           const std::vector<GgufTensor>& tensors);

}  // namespace fl::interchange
