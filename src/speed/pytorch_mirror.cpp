#include "speed/pytorch_mirror.h"

#include <cstring>

#include "core/error.h"
#include "core/safetensors.h"
#include "core/subprocess.h"

namespace fl {

void PyTorchMirror::require_available() const {
  const auto r = run_child({python, "-c", "import torch"});
  require(r.exit_code == 0, python + " cannot import torch: install Debian's python3-torch (scripts/setup.sh)");
  require(std::filesystem::exists(reference_dir / "logits.py"),
          (reference_dir / "logits.py").string() + ": not found (pass the source tree with --source)");
}

torch::Tensor PyTorchMirror::logits(const std::filesystem::path& dir, const torch::Tensor& tokens, bool step) const {
  const int64_t rows = tokens.size(0), L = tokens.size(1);
  const auto out = dir / "pytorch_logits.safetensors";
  std::vector<std::string> argv = {python, (reference_dir / "logits.py").string(), "--checkpoint", dir.string(),
                                   "--out", out.string()};
  const auto t = tokens.accessor<int64_t, 2>();
  for (int64_t r = 0; r < rows; ++r) {
    std::string row;
    for (int64_t i = 0; i < L; ++i) row += (i ? "," : "") + std::to_string(t[r][i]);
    argv.insert(argv.end(), {"--tokens", row});
  }
  if (step) argv.push_back("--step");
  const auto result = run_child(argv);
  require(result.exit_code == 0, "reference/logits.py failed: " + result.err.substr(0, result.err.find('\n')));
  const auto file = safetensors::load(out);
  const auto& tensor = file.at("logits", out.string());
  require(tensor.shape.size() == 3 && tensor.shape[0] == rows && tensor.shape[1] == L &&
              tensor.dtype == safetensors::DType::F32,
          out.string() + ": expected F32 logits of shape (" + std::to_string(rows) + ", " + std::to_string(L) + ", V)");
  auto theirs = torch::empty({rows, L, tensor.shape[2]});
  std::memcpy(theirs.data_ptr<float>(), tensor.bytes.data(), tensor.bytes.size());
  std::filesystem::remove(out);
  return theirs;
}

}  // namespace fl
