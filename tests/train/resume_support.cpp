#include "train/resume_support.h"

#include <fstream>

#include "core/atomic_file.h"
#include "core/config.h"

namespace fl::test_support {

std::vector<std::string> deterministic_metrics(const std::filesystem::path& metrics_jsonl) {
  std::ifstream in(metrics_jsonl);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    auto j = Json::parse(line);
    j.erase("tokens_per_s");
    j.erase("elapsed_s");
    out.push_back(j.dump());
  }
  return out;
}

std::vector<double> logged_losses(const std::filesystem::path& metrics_jsonl) {
  std::ifstream in(metrics_jsonl);
  std::vector<double> out;
  for (std::string line; std::getline(in, line);) {
    const auto j = Json::parse(line);
    if (j.contains("loss")) out.push_back(j["loss"]);
  }
  return out;
}

int64_t latest_checkpoint_step(const std::filesystem::path& run_dir) {
  const auto pointer = run_dir / "checkpoints" / "latest";
  if (!std::filesystem::exists(pointer)) return -1;
  return std::stoll(read_file(pointer).substr(5));  // "step-00000012\n"
}

void flip_a_bit(const std::filesystem::path& file) {
  std::string bytes = read_file(file);
  bytes[bytes.size() / 2] ^= 0x10;
  write_file_atomic(file, bytes);
}

}  // namespace fl::test_support
