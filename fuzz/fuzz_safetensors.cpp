// libFuzzer target: fl::safetensors::parse on arbitrary bytes (the whole file, header length
// included). Every input must parse or throw fl::Error; a file that parses must survive a
// serialize → parse round trip unchanged (the writer and reader agree).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "core/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace st = fl::safetensors;
  st::File file;
  try {
    file = st::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const fl::Error&) {
    return 0;
  }
  if (!(st::parse(st::serialize(file), "round trip") == file)) __builtin_trap();
  return 0;
}
