// Temporary files for the fuzz targets whose code under test reads paths (configs, JSONL):
// one name per process under $TMPDIR (scripts/fuzz.sh points it at /dev/shm).
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fl::fuzz {

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("fl_fuzz_" + std::to_string(getpid()) + "_" + name)).string();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace fl::fuzz
