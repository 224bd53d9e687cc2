#include "cli/source_tree.h"

#include "core/subprocess.h"

namespace fl::cli {

namespace {

bool is_source_tree(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(dir / "configs", ec) && std::filesystem::is_directory(dir / "reference", ec);
}

}  // namespace

std::optional<std::filesystem::path> default_source_tree() {
  if (is_source_tree(".")) return std::filesystem::path(".");
  const std::filesystem::path above_binary = std::filesystem::path(self_executable()).parent_path().parent_path();
  if (is_source_tree(above_binary)) return above_binary;
  return std::nullopt;
}

}  // namespace fl::cli
