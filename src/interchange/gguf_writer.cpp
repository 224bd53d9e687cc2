#include "interchange/gguf_writer.h"

#include <cstring>
#include <set>

#include "core/error.h"

namespace fl::interchange {

namespace {

constexpr uint32_t kGgmlTypeF32 = 0;

// Appends little-endian values and GGUF strings to one buffer (x86-64 and every target libtorch
// supports are little-endian, so memcpy is the encoding).
class Buffer {
 public:
  template <typename T>
  void put(T value) {
    char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    bytes_.append(raw, sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    bytes_ += s;
  }
  void pad_to(uint64_t alignment) { bytes_.append((alignment - bytes_.size() % alignment) % alignment, '\0'); }
  void append(const std::string& raw) { bytes_ += raw; }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

struct ValueWriter {
  Buffer& out;
  void operator()(uint32_t v) const { typed(GgufValueType::uint32), out.put(v); }
  void operator()(int32_t v) const { typed(GgufValueType::int32), out.put(v); }
  void operator()(float v) const { typed(GgufValueType::float32), out.put(v); }
  void operator()(bool v) const { typed(GgufValueType::boolean), out.put<uint8_t>(v ? 1 : 0); }
  void operator()(const std::string& v) const { typed(GgufValueType::string), out.put_string(v); }
  void operator()(const std::vector<std::string>& items) const {
    array_of(GgufValueType::string, items.size());
    for (const auto& s : items) out.put_string(s);
  }
  void operator()(const std::vector<int32_t>& items) const {
    array_of(GgufValueType::int32, items.size());
    for (int32_t v : items) out.put(v);
  }
  void typed(GgufValueType type) const { out.put(static_cast<uint32_t>(type)); }
  void array_of(GgufValueType item, uint64_t count) const {
    require(count > 0, "GGUF arrays cannot be empty");
    typed(GgufValueType::array);
    out.put(static_cast<uint32_t>(item));
    out.put<uint64_t>(count);
  }
};

uint64_t padded(uint64_t n) { return (n + kGgufAlignment - 1) / kGgufAlignment * kGgufAlignment; }

}  // namespace

std::string serialize_gguf(const std::vector<std::pair<std::string, GgufValue>>& metadata,
                           const std::vector<GgufTensor>& tensors) {
  Buffer out;
  out.put(kGgufMagic);
  out.put(kGgufVersion);
  out.put<uint64_t>(tensors.size());
  out.put<uint64_t>(metadata.size());
  std::set<std::string> keys;
  for (const auto& [key, value] : metadata) {
    require(keys.insert(key).second, "GGUF metadata key '" + key + "' twice");
    out.put_string(key);
    std::visit(ValueWriter{out}, value);
  }
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    require(names.insert(t.name).second, "GGUF tensor '" + t.name + "' twice");
    uint64_t numel = 1;
    for (int64_t d : t.shape) numel *= static_cast<uint64_t>(d);
    require(t.bytes.size() == numel * sizeof(float),
            "GGUF tensor '" + t.name + "': " + std::to_string(t.bytes.size()) + " bytes for its shape");
    out.put_string(t.name);
    out.put<uint32_t>(t.shape.size());
    for (auto d = t.shape.rbegin(); d != t.shape.rend(); ++d) out.put<uint64_t>(*d);
    out.put(kGgmlTypeF32);
    out.put(offset);
    offset += padded(t.bytes.size());
  }
  out.pad_to(kGgufAlignment);
  for (const auto& t : tensors) {
    out.append(t.bytes);
    out.pad_to(kGgufAlignment);
  }
  return std::move(out.bytes());
}

}  // namespace fl::interchange
