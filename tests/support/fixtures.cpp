#include "support/fixtures.h"

#include <unistd.h>

#include <atomic>

namespace fl::test_support {

RunConfig config_from_json(const std::string& json) {
  return RunConfig::from_raw(RawConfig::from_json(Json::parse(json), "test config"));
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("freelunch-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace fl::test_support
