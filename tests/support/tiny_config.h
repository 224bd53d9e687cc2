// The smallest run the CLI tests train, as a TOML config: a Mamba d8×1, 2 steps of batch 2, one
// evaluation example, seed 2.
#pragma once
#include <string>

namespace fl::test_support {

// `task` is the body of the config's [task] table, e.g. kTinyCopyTask.
std::string tiny_mamba_toml(const std::string& task);
inline constexpr const char* kTinyCopyTask = "vocab = 4\nmin_len = 1\nmax_len = 3\n";  // copy, 1–3 of 4 letters

}  // namespace fl::test_support
