// Whole-file I/O. Writes are crash-safe: the bytes go to a temporary file in the same
// directory, which is fsynced and then renamed over the target, so readers (and a restart after
// a crash) see either the old file or the new one, never a half-written one.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace fl {

// Replaces `path` with `bytes` atomically: writes ".<name>.tmp.<pid>.<n>" next to it, fsyncs it,
// renames it over `path`, then fsyncs the directory. On failure removes the temporary file and
// throws fl::Error naming `path`. The new file gets default permissions (0666 & ~umask). First
// removes the temporary files of earlier writes of `path` whose process no longer runs (killed
// between creating and renaming them), so a crash's leftovers go with the next write.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// The whole content of `path`; fl::Error naming it if it is missing, a directory or unreadable.
std::string read_file(const std::filesystem::path& path);

}  // namespace fl
