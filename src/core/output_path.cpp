#include "core/output_path.h"

#include <unistd.h>

#include "core/error.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

// `dir` ("" = the working directory) is a directory this process may create files in.
void require_writable_directory(const fs::path& dir, const std::string& where) {
  const fs::path shown = dir.empty() ? fs::path(".") : dir;
  std::error_code ec;
  require(fs::is_directory(shown, ec), where + shown.string() + " is not a directory");
  require(::access(shown.c_str(), W_OK | X_OK) == 0, where + "cannot write into " + shown.string());
}

}  // namespace

void require_output_directory(const fs::path& dir, const std::string& flag) {
  const std::string where = flag + " " + dir.string() + ": ";
  std::error_code ec;
  fs::path existing = dir;  // the nearest part of the path that exists
  while (!existing.empty() && existing != existing.parent_path() && !fs::exists(fs::symlink_status(existing, ec)))
    existing = existing.parent_path();
  if (existing == dir) {
    require(fs::is_directory(dir, ec), where + "exists and is not a directory");
    require_writable_directory(dir, where);
  } else {
    require_writable_directory(existing, where + "cannot be created: ");
  }
}

void require_output_file(const fs::path& file, const std::string& flag) {
  const std::string where = flag + " " + file.string() + ": ";
  std::error_code ec;
  require(!file.filename().empty() && !fs::is_directory(file, ec), where + "is a directory, not a file");
  require_writable_directory(file.parent_path(), where);
}

}  // namespace fl
