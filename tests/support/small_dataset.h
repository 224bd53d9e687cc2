// A small JSONL dataset for tests of the `dataset` task: eight input/target pairs over the tokens
// a, b, c, enough for both splits at task.eval_fraction = 0.5.
#pragma once
#include <filesystem>

namespace fl::test_support {

// Writes dir/data.jsonl and returns its path.
std::filesystem::path write_small_dataset(const std::filesystem::path& dir);

}  // namespace fl::test_support
