// Whole-file I/O. Writes are crash-safe: the bytes go to a temporary file in the same
// directory, which is fsynced and then renamed over the target, so readers (and a restart after
// a crash) see either the old file or the new one, never a half-written one.
#pragma once
#include <cstdint>
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

// Creates `path` holding `bytes` unless it exists: the bytes go to a temporary file (synced)
// that is then hard-linked to `path`, which fails if the name is taken, so a reader never sees a
// partly written file and of several processes creating it at once exactly one wins. Returns
// whether this call created it; fl::Error naming `path` on failure.
bool create_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// The most a file read whole may hold unless its reader allows more: configs, sweep files,
// manifests and JSON records are far smaller.
inline constexpr uint64_t kMaxRecordFileBytes = uint64_t{64} << 20;  // 64 MiB

// The whole content of `path`, the one way freelunch reads a file. fl::Error naming it if it is
// missing, unreadable, not a regular file once symlinks are resolved (a directory, device, FIFO
// or socket: refused before a byte is read, so /dev/zero cannot fill the memory and a FIFO
// cannot block), or longer than `max_bytes` (checked before reading and while reading, for
// files that grow or misreport their size). Weights and datasets pass memory_budget_bytes().
std::string read_file(const std::filesystem::path& path, uint64_t max_bytes = kMaxRecordFileBytes);

}  // namespace fl
