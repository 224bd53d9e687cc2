#include "support/small_dataset.h"

#include <string>

#include "core/atomic_file.h"

namespace fl::test_support {

std::filesystem::path write_small_dataset(const std::filesystem::path& dir) {
  std::string lines;
  for (const char* pair : {"a b|b a", "c|c c", "a|b", "b c|c", "c a|a c", "b|b b", "a a|a", "c b a|a b c"}) {
    const std::string p = pair;
    lines += "{\"input\": \"" + p.substr(0, p.find('|')) + "\", \"target\": \"" + p.substr(p.find('|') + 1) + "\"}\n";
  }
  write_file_atomic(dir / "data.jsonl", lines);
  return dir / "data.jsonl";
}

}  // namespace fl::test_support
