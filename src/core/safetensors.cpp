// Validation follows the reference Rust implementation: header length in (0, 100 MB] and within
// the file; the header a JSON object (no duplicate keys) of well-typed entries; each tensor's
// span inside the data buffer and exactly numel * dtype size long; spans covering the buffer
// exactly, without overlaps or gaps.
#include "core/safetensors.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_duplicate_keys.h"
#include "core/memory_budget.h"

namespace fl::safetensors {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr const char* kMetadataKey = "__metadata__";

struct DTypeInfo {
  const char* name;
  std::size_t size;
};

// Indexed by DType, in its declaration order.
constexpr DTypeInfo kDTypes[] = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
                                 {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
static_assert(std::size(kDTypes) == static_cast<std::size_t>(DType::BOOL) + 1);

std::optional<DType> find_dtype(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kDTypes); ++i) {
    if (name == kDTypes[i].name) return static_cast<DType>(i);
  }
  return std::nullopt;
}

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw Error(source + ": " + problem);
}

// 'text' for a message: control characters become '?', long text is cut, so it stays one line.
std::string printable(std::string_view text) {
  constexpr std::size_t kMaxShown = 200;
  std::string out = "'";
  for (char c : text.substr(0, kMaxShown)) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte < 0x20 || byte == 0x7f) ? '?' : c;
  }
  return out + (text.size() > kMaxShown ? "...'" : "'");
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    text += (i ? "," : "") + std::to_string(shape[i]);
  }
  return text + "]";
}

// numel * dtype size, or nullopt if a dimension is negative or the count exceeds int64.
std::optional<uint64_t> byte_count(const std::vector<int64_t>& shape, DType dtype) {
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  uint64_t bytes = dtype_size(dtype);
  for (int64_t dim : shape) {
    if (dim < 0) return std::nullopt;
    const auto d = static_cast<uint64_t>(dim);
    if (d != 0 && bytes > kMax / d) return std::nullopt;
    bytes *= d;
  }
  return bytes;
}

uint64_t read_le64(const char* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}

void append_le64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

// A JSON integer >= 0 (nlohmann stores "-0" as a signed integer), else nullopt.
std::optional<uint64_t> non_negative_integer(const json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) return value.get<int64_t>();
  return std::nullopt;
}

// Parses the header text, rejecting duplicate keys and nesting deeper than a safetensors header
// has (root object > entry object > shape array), which also bounds the memory a hostile
// header can make the parser use.
json parse_header(std::string_view header, const std::string& source) {
  DuplicateKeys keys;
  auto check = [&](int depth, json::parse_event_t event, json& parsed) {
    using Event = json::parse_event_t;
    if ((event == Event::object_start || event == Event::array_start) && depth > 2) {
      fail(source, "header nests objects or arrays deeper than a safetensors header can");
    }
    if (auto key = keys.repeated(event, parsed)) fail(source, "duplicate key " + printable(*key) + " in header");
    return true;
  };
  try {
    return json::parse(header.begin(), header.end(), check);
  } catch (const json::exception& e) {
    const std::string what = e.what();  // "[json.exception.parse_error.101] parse error at ..."
    fail(source, "header is not valid JSON: " + what.substr(what.find(']') + 2));
  }
}

std::map<std::string, std::string> parse_metadata(const json& entry, const std::string& source) {
  if (!entry.is_object()) fail(source, "\"__metadata__\" must be an object of string values");
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : entry.items()) {
    if (!value.is_string()) {
      fail(source, "\"__metadata__\" value for " + printable(key) + " must be a string, not " +
                       value.type_name());
    }
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

// Where a tensor's bytes sit in the data buffer.
struct Span {
  uint64_t begin;
  uint64_t end;
  const std::string* name;
};

struct Entry {
  Tensor tensor;
  uint64_t begin;
  uint64_t end;
};

// Reads one header entry and copies its bytes out of `data`.
Entry parse_entry(const std::string& name, const json& entry, std::string_view data,
                  const std::string& source) {
  const std::string where = "tensor " + printable(name) + ": ";
  if (!entry.is_object()) fail(source, where + "entry is not a JSON object");

  const auto dtype_it = entry.find("dtype");
  if (dtype_it == entry.end() || !dtype_it->is_string()) {
    fail(source, where + "\"dtype\" must be a string");
  }
  const std::string& dtype_text = dtype_it->get_ref<const std::string&>();
  const std::optional<DType> dtype = find_dtype(dtype_text);
  if (!dtype) fail(source, where + "unknown dtype " + printable(dtype_text));

  const auto shape_it = entry.find("shape");
  if (shape_it == entry.end() || !shape_it->is_array()) {
    fail(source, where + "\"shape\" must be an array of integers");
  }
  std::vector<int64_t> shape;
  for (const json& dim : *shape_it) {
    if (!dim.is_number_integer()) fail(source, where + "\"shape\" must be an array of integers");
    const std::optional<uint64_t> size = non_negative_integer(dim);
    if (!size) fail(source, where + "negative dimension " + dim.dump() + " in shape");
    if (*size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      fail(source, where + "dimension " + dim.dump() + " overflows the element count");
    }
    shape.push_back(static_cast<int64_t>(*size));
  }
  const std::optional<uint64_t> needed = byte_count(shape, *dtype);
  if (!needed) fail(source, where + "shape " + shape_text(shape) + " overflows the element count");

  const auto offsets_it = entry.find("data_offsets");
  std::optional<uint64_t> begin, end;
  if (offsets_it != entry.end() && offsets_it->is_array() && offsets_it->size() == 2) {
    begin = non_negative_integer((*offsets_it)[0]);
    end = non_negative_integer((*offsets_it)[1]);
  }
  if (!begin || !end) {
    fail(source, where + "\"data_offsets\" must be two non-negative integers [begin, end]");
  }
  const std::string offsets = "data_offsets [" + std::to_string(*begin) + "," +
                              std::to_string(*end) + "]";
  if (*begin > *end) fail(source, where + offsets + " has begin after end");
  if (*end > data.size()) {
    fail(source, where + offsets + " exceeds the " + std::to_string(data.size()) +
                     "-byte data buffer");
  }
  if (*end - *begin != *needed) {
    fail(source, where + offsets + " spans " + std::to_string(*end - *begin) +
                     " bytes but shape " + shape_text(shape) + " of " + dtype_text + " needs " +
                     std::to_string(*needed));
  }
  std::string bytes(data.substr(*begin, *end - *begin));
  return Entry{Tensor{*dtype, std::move(shape), std::move(bytes)}, *begin, *end};
}

// The spans must tile the data buffer: sorted, each starts where the previous one ended.
void check_coverage(std::vector<Span> spans, uint64_t data_size, const std::string& source) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return std::tie(a.begin, a.end, *a.name) < std::tie(b.begin, b.end, *b.name);
  });
  uint64_t covered = 0;
  const std::string* previous = nullptr;
  for (const Span& span : spans) {
    if (span.begin < covered) {
      fail(source,
           "tensors " + printable(*previous) + " and " + printable(*span.name) + " overlap");
    }
    if (span.begin > covered) {
      fail(source, "gap of " + std::to_string(span.begin - covered) + " bytes before tensor " +
                       printable(*span.name) + " in the data buffer");
    }
    covered = span.end;
    previous = span.name;
  }
  if (covered < data_size) {
    fail(source, std::to_string(data_size - covered) +
                     " trailing bytes in the data buffer not covered by any tensor");
  }
}

std::string serialize_for(const File& file, const std::string& source) {
  json header = json::object();
  if (!file.metadata.empty()) header[kMetadataKey] = file.metadata;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : file.tensors) {
    const std::string where = "cannot serialize tensor " + printable(name) + ": ";
    if (name.empty() || name == kMetadataKey) fail(source, where + "reserved or empty name");
    const std::optional<uint64_t> needed = byte_count(tensor.shape, tensor.dtype);
    if (!needed || *needed != tensor.bytes.size()) {
      fail(source, where + std::to_string(tensor.bytes.size()) + " bytes do not fit shape " +
                       shape_text(tensor.shape) + " of " + dtype_name(tensor.dtype));
    }
    json entry = json::object();
    entry["dtype"] = dtype_name(tensor.dtype);
    entry["shape"] = tensor.shape;
    entry["data_offsets"] = json::array({offset, offset + *needed});
    header[name] = std::move(entry);
    offset += *needed;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception&) {
    fail(source, "cannot serialize: tensor names and metadata must be valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  if (text.size() > kMaxHeaderBytes) fail(source, "cannot serialize: header exceeds 100 MB");

  std::string out;
  out.reserve(8 + text.size() + offset);
  append_le64(out, text.size());
  out += text;
  for (const auto& [name, tensor] : file.tensors) out += tensor.bytes;
  return out;
}

}  // namespace

std::size_t dtype_size(DType dtype) { return kDTypes[static_cast<std::size_t>(dtype)].size; }

const char* dtype_name(DType dtype) { return kDTypes[static_cast<std::size_t>(dtype)].name; }

DType parse_dtype(std::string_view name) {
  const std::optional<DType> dtype = find_dtype(name);
  if (!dtype) throw Error("unknown safetensors dtype " + printable(name));
  return *dtype;
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t dim : shape) n *= dim;
  return n;
}

const Tensor& File::at(const std::string& name, const std::string& source) const {
  const auto it = tensors.find(name);
  if (it == tensors.end()) fail(source, "missing tensor '" + name + "'");
  return it->second;
}

bool operator==(const Tensor& a, const Tensor& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.bytes == b.bytes;
}

bool operator==(const File& a, const File& b) {
  return a.metadata == b.metadata && a.tensors == b.tensors;
}

std::string serialize(const File& file) { return serialize_for(file, "safetensors"); }

File parse(std::string_view bytes, const std::string& source) {
  if (bytes.size() < 8) {
    fail(source, "file is " + std::to_string(bytes.size()) +
                     " bytes, too short for the 8-byte header length");
  }
  const uint64_t header_size = read_le64(bytes.data());
  if (header_size == 0) fail(source, "header length is 0");
  if (header_size > kMaxHeaderBytes) {
    fail(source, "header length " + std::to_string(header_size) + " exceeds the " +
                     std::to_string(kMaxHeaderBytes) + "-byte limit");
  }
  if (header_size > bytes.size() - 8) {
    fail(source, "header length " + std::to_string(header_size) + " exceeds file size " +
                     std::to_string(bytes.size()));
  }
  const json header = parse_header(bytes.substr(8, header_size), source);
  if (!header.is_object()) fail(source, "header is not a JSON object");

  const std::string_view data = bytes.substr(8 + header_size);
  File file;
  std::vector<Span> spans;
  for (const auto& [name, entry] : header.items()) {
    if (name == kMetadataKey) {
      file.metadata = parse_metadata(entry, source);
      continue;
    }
    if (name.empty()) fail(source, "empty tensor name in header");
    Entry parsed = parse_entry(name, entry, data, source);
    const auto inserted = file.tensors.emplace(name, std::move(parsed.tensor)).first;
    spans.push_back(Span{parsed.begin, parsed.end, &inserted->first});
  }
  check_coverage(std::move(spans), data.size(), source);
  return file;
}

void save(const std::filesystem::path& path, const File& file) {
  write_file_atomic(path, serialize_for(file, path.string()));
}

File load(const std::filesystem::path& path) {
  return parse(read_file(path, memory_budget_bytes()), path.string());
}

}  // namespace fl::safetensors
