#include "train/metrics.h"

#include "core/error.h"

namespace fl {

MetricsLog::MetricsLog(const std::filesystem::path& path) : path_(path), out_(path, std::ios::app) {
  require(out_.good(), path.string() + ": cannot open for writing");
}

void MetricsLog::write(const Json& row) {
  out_ << row.dump() << '\n';
  out_.flush();
  require(out_.good(), path_.string() + ": write failed");
}

}  // namespace fl
