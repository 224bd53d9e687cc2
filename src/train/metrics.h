// metrics.jsonl: one JSON object per line, flushed as written, so a killed run keeps its log.
#pragma once
#include <filesystem>
#include <fstream>

#include "core/config.h"

namespace fl {

class MetricsLog {
 public:
  explicit MetricsLog(const std::filesystem::path& path);
  void write(const Json& row);

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

}  // namespace fl
