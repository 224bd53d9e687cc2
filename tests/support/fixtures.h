// Small shared helpers for the tests: run configs from inline JSON, temporary directories, the
// message of an fl::Error, the files of a directory.
#pragma once
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "train/run_config.h"

namespace fl::test_support {

// A RunConfig from a JSON document (defaults fill the rest), e.g.
//   config_from_json(R"({"model": {"type": "mamba", "d_model": 16}})")
RunConfig config_from_json(const std::string& json);

// A fresh empty directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The message of the fl::Error that f throws; "" when it throws none.
std::string error_of(const std::function<void()>& f);

// Every regular file under dir (recursively): path relative to dir → contents.
std::map<std::string, std::string> files_in(const std::filesystem::path& dir);

}  // namespace fl::test_support
