#include "core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/memory_budget.h"

namespace fl {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& problem) {
  throw Error(path.string() + ": " + problem);
}

std::string errno_text() { return std::strerror(errno); }

// Owns a file descriptor: closes it when destroyed unless close() was called.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now and reports failure (with errno set), which a destructor could not.
  bool close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0;
  }

 private:
  int fd_;
};

// Removes the temporary file when destroyed, unless it has been renamed into place.
struct TemporaryFile {
  std::filesystem::path path;
  bool renamed = false;
  ~TemporaryFile() {
    std::error_code ignored;
    if (!renamed) std::filesystem::remove(path, ignored);
  }
};

// True when `text` is "<pid>.<n>" with a pid of no running process (a process of another user
// counts as running).
bool names_a_dead_process(const std::string& text) {
  const auto dot = text.find('.');
  if (dot == 0 || dot == std::string::npos || dot > 9 || dot + 1 == text.size()) return false;
  if (text.find_first_not_of("0123456789.") != std::string::npos || text.find('.', dot + 1) != std::string::npos)
    return false;
  const pid_t pid = static_cast<pid_t>(std::stol(text.substr(0, dot)));
  return pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH;
}

// Removes the temporary files of earlier writes of `path` whose process has died between creating
// and renaming them (SIGKILL, power cut): the write that replaces the file cleans up after them.
void remove_stale_temporaries(const std::filesystem::path& path) {
  const std::string prefix = "." + path.filename().string() + ".tmp.";
  const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code ignored;
    if (name.rfind(prefix, 0) == 0 && names_a_dead_process(name.substr(prefix.size())))
      std::filesystem::remove(it->path(), ignored);
  }
}

std::filesystem::path temporary_path_for(const std::filesystem::path& path) {
  static std::atomic<unsigned long> counter{0};  // distinguishes concurrent writers in one process
  const std::string name = "." + path.filename().string() + ".tmp." + std::to_string(::getpid()) +
                           "." + std::to_string(counter++);
  return path.parent_path() / name;
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot write: " + errno_text());
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

// Makes the rename itself durable.
void sync_directory(const std::filesystem::path& path) {
  const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) fail(path, "written, but cannot open its directory to sync it: " + errno_text());
  // EINVAL: this file system does not support syncing directories; nothing more can be done.
  if (::fsync(fd.get()) != 0 && errno != EINVAL) {
    fail(path, "written, but cannot sync its directory: " + errno_text());
  }
}

// Writes `bytes` to a new temporary file next to `path`, synced and closed.
void write_temporary(const TemporaryFile& temporary, const std::filesystem::path& path, std::string_view bytes) {
  FileDescriptor fd(
      ::open(temporary.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666));
  if (!fd.valid()) fail(path, "cannot create a temporary file next to it: " + errno_text());
  write_all(fd.get(), bytes, path);
  if (::fsync(fd.get()) != 0) fail(path, "cannot sync to disk: " + errno_text());
  if (!fd.close()) fail(path, "cannot close after writing: " + errno_text());
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view bytes) {
  if (path.filename().empty()) fail(path, "not a file path (no file name)");
  remove_stale_temporaries(path);
  TemporaryFile temporary{temporary_path_for(path)};
  write_temporary(temporary, path, bytes);
  if (::rename(temporary.path.c_str(), path.c_str()) != 0) {
    fail(path, "cannot replace with the new content: " + errno_text());
  }
  temporary.renamed = true;
  sync_directory(path);
}

bool create_file_atomic(const std::filesystem::path& path, std::string_view bytes) {
  if (path.filename().empty()) fail(path, "not a file path (no file name)");
  TemporaryFile temporary{temporary_path_for(path)};  // removed when done: the link keeps the file
  write_temporary(temporary, path, bytes);
  if (::link(temporary.path.c_str(), path.c_str()) != 0) {
    if (errno == EEXIST) return false;
    fail(path, "cannot create: " + errno_text());
  }
  sync_directory(path);
  return true;
}

std::string read_file(const std::filesystem::path& path, uint64_t max_bytes) {
  const auto too_long = [&] {
    fail(path, "longer than " + memory_text(static_cast<double>(max_bytes)) + ", the most freelunch reads from it");
  };
  const auto check_type = [&](const struct stat& info) {
    if (S_ISDIR(info.st_mode)) fail(path, "is a directory, not a file");
    if (!S_ISREG(info.st_mode)) fail(path, "not a regular file (a device, FIFO or socket); freelunch reads only files");
    if (static_cast<uint64_t>(info.st_size) > max_bytes) too_long();
  };
  struct stat info {};
  // Checked before opening: opening a device or FIFO can block or have effects of its own.
  if (::stat(path.c_str(), &info) != 0) {
    fail(path, errno == ENOENT ? std::string("no such file") : "cannot access: " + errno_text());
  }
  check_type(info);
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) {
    fail(path, errno == ENOENT ? std::string("no such file") : "cannot open: " + errno_text());
  }
  if (::fstat(fd.get(), &info) != 0) fail(path, "cannot stat: " + errno_text());
  check_type(info);  // again: the path may have been replaced in between

  std::string content;
  content.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      fail(path, "cannot read: " + errno_text());
    }
    if (got == 0) return content;
    if (content.size() + static_cast<std::size_t>(got) > max_bytes) too_long();
    content.append(buffer, static_cast<std::size_t>(got));
  }
}

}  // namespace fl
