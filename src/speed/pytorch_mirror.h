// The PyTorch mirror of the models (reference/, run with Debian's python3-torch as
// /usr/bin/python3), driven as child processes: logits of a checkpoint, availability check.
#pragma once
#include <filesystem>
#include <string>

#include <torch/torch.h>

namespace fl {

struct PyTorchMirror {
  std::string python = "/usr/bin/python3";
  std::filesystem::path reference_dir;  // the source tree's reference/

  // fl::Error naming the fix when the interpreter or its torch is missing.
  void require_available() const;
  // Logits (rows, L, V) the mirror computes for `tokens` (rows, L) int64 from the checkpoint in
  // `dir`, by its forward or (step = true) its step path. Scratch files go to `dir`.
  torch::Tensor logits(const std::filesystem::path& dir, const torch::Tensor& tokens, bool step) const;
};

}  // namespace fl
