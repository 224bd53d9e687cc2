#include "interchange/gguf_reader.h"

#include <cstring>
#include <stdexcept>

namespace fl::test_support {

namespace {

class Cursor {
 public:
  explicit Cursor(const std::string& bytes) : bytes_(bytes) {}
  template <typename T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }
  std::string string() {
    const uint64_t n = get<uint64_t>();
    need(n);
    std::string s = bytes_.substr(at_, n);
    at_ += n;
    return s;
  }
  uint64_t at() const { return at_; }

 private:
  void need(uint64_t n) const {
    if (n > bytes_.size() - at_) throw std::runtime_error("GGUF truncated at byte " + std::to_string(at_));
  }
  const std::string& bytes_;
  uint64_t at_ = 0;
};

GgufReadValue read_value(Cursor& c, uint32_t type) {
  GgufReadValue v;
  v.type = type;
  switch (type) {
    case 0: v.u = c.get<uint8_t>(); break;
    case 1: v.i = c.get<int8_t>(); break;
    case 2: v.u = c.get<uint16_t>(); break;
    case 3: v.i = c.get<int16_t>(); break;
    case 4: v.u = c.get<uint32_t>(); break;
    case 5: v.i = c.get<int32_t>(); break;
    case 6: v.f = c.get<float>(); break;
    case 7: {
      v.u = c.get<uint8_t>();
      if (v.u > 1) throw std::runtime_error("GGUF bool neither 0 nor 1");
      break;
    }
    case 8: v.s = c.string(); break;
    case 9: {
      v.item_type = c.get<uint32_t>();
      const uint64_t n = c.get<uint64_t>();
      for (uint64_t k = 0; k < n; ++k) v.items.push_back(read_value(c, v.item_type));
      break;
    }
    case 10: v.u = c.get<uint64_t>(); break;
    case 11: v.i = c.get<int64_t>(); break;
    case 12: v.f = c.get<double>(); break;
    default: throw std::runtime_error("GGUF value type " + std::to_string(type));
  }
  return v;
}

}  // namespace

const GgufReadValue& GgufRead::value(const std::string& key) const {
  for (const auto& [k, v] : metadata)
    if (k == key) return v;
  throw std::runtime_error("GGUF key " + key + " absent");
}

std::vector<float> GgufRead::floats(const std::string& name) const {
  for (const auto& t : tensors) {
    if (t.name != name) continue;
    if (t.type != 0) throw std::runtime_error(name + " is not F32");
    uint64_t n = 1;
    for (uint64_t d : t.dims) n *= d;
    if (data_start + t.offset + n * 4 > file.size()) throw std::runtime_error(name + " beyond the file");
    std::vector<float> out(n);
    std::memcpy(out.data(), file.data() + data_start + t.offset, n * 4);
    return out;
  }
  throw std::runtime_error("GGUF tensor " + name + " absent");
}

GgufRead read_gguf(const std::string& bytes) {
  GgufRead r;
  r.file = bytes;
  Cursor c(r.file);
  const std::string magic = r.file.substr(0, 4);
  if (c.get<uint32_t>() != 0x46554747 || magic != "GGUF") throw std::runtime_error("not GGUF");
  r.version = c.get<uint32_t>();
  const uint64_t tensor_count = c.get<uint64_t>(), kv_count = c.get<uint64_t>();
  for (uint64_t k = 0; k < kv_count; ++k) {
    std::string key = c.string();
    const uint32_t type = c.get<uint32_t>();
    r.metadata.emplace_back(std::move(key), read_value(c, type));
  }
  for (const auto& [k, v] : r.metadata)
    if (k == "general.alignment") r.alignment = v.u;
  for (uint64_t k = 0; k < tensor_count; ++k) {
    GgufReadTensor t;
    t.name = c.string();
    const uint32_t n_dims = c.get<uint32_t>();
    for (uint32_t d = 0; d < n_dims; ++d) t.dims.push_back(c.get<uint64_t>());
    t.type = c.get<uint32_t>();
    t.offset = c.get<uint64_t>();
    if (t.offset % r.alignment != 0) throw std::runtime_error(t.name + ": offset not aligned");
    r.tensors.push_back(t);
  }
  r.data_start = (c.at() + r.alignment - 1) / r.alignment * r.alignment;
  for (uint64_t p = c.at(); p < r.data_start && p < r.file.size(); ++p)
    if (r.file[p] != 0) throw std::runtime_error("non-zero padding before the data section");
  return r;
}

}  // namespace fl::test_support
