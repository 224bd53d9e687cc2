#include "train/metrics.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.h"

namespace fl {

namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

MetricsLog::MetricsLog(const std::filesystem::path& path, std::optional<uint64_t> resume_at) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  require(fd_ >= 0, path.string() + ": cannot open for writing: " + errno_text());
  struct stat info {};
  require(::fstat(fd_, &info) == 0, path.string() + ": cannot stat: " + errno_text());
  bytes_ = static_cast<uint64_t>(info.st_size);
  if (resume_at) {
    require(bytes_ >= *resume_at, path.string() + ": " + std::to_string(bytes_) + " bytes, shorter than the " +
                                      std::to_string(*resume_at) + " the checkpoint recorded (truncated?)");
    require(::ftruncate(fd_, static_cast<off_t>(*resume_at)) == 0, path.string() + ": cannot truncate: " + errno_text());
    bytes_ = *resume_at;
  }
}

MetricsLog::~MetricsLog() {
  if (fd_ >= 0) ::close(fd_);
}

void MetricsLog::write(const Json& row) {
  const std::string line = row.dump() + "\n";
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    require(n > 0, path_.string() + ": write failed: " + errno_text());
    done += static_cast<size_t>(n);
  }
  bytes_ += line.size();
}

void MetricsLog::sync() {
  require(::fsync(fd_) == 0, path_.string() + ": cannot sync to disk: " + errno_text());
}

}  // namespace fl
