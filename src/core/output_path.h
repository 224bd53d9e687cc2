// Checks of the output paths given on the command line, made before the work whose results go
// there, so a bad --out fails at once instead of after minutes of measuring or training. Nothing
// is created; each problem is one fl::Error naming the flag and the path.
#pragma once
#include <filesystem>
#include <string>

namespace fl {

// `dir` is a writable directory, or can be created: its nearest existing ancestor is a writable
// directory (so no component of it is a file).
void require_output_directory(const std::filesystem::path& dir, const std::string& flag);

// `file` can be written: it is not a directory, and its directory exists and is writable.
void require_output_file(const std::filesystem::path& file, const std::string& flag);

}  // namespace fl
