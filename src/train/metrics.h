// metrics.jsonl: one JSON object per line, each line handed to the kernel in one write as it is
// produced, so a killed run keeps its log. A resumed run first cuts the file back to the length
// its checkpoint recorded, so every step's line appears exactly once.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>

#include "core/config.h"

namespace fl {

class MetricsLog {
 public:
  // Opens `path` for appending (created if missing). With `resume_at`, first truncates it to
  // that many bytes; fl::Error naming the file if it is shorter (lines the checkpoint counted
  // are gone).
  explicit MetricsLog(const std::filesystem::path& path, std::optional<uint64_t> resume_at = std::nullopt);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  void write(const Json& row);
  uint64_t bytes() const { return bytes_; }  // the file's length
  void sync();                                // fsync: the lines so far survive a power cut

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t bytes_ = 0;
};

}  // namespace fl
