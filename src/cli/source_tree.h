// Where the commands that need the checkout's files (configs/, reference/) find it by default,
// so that the same binary works wherever the checkout is: never a path fixed at build time.
#pragma once
#include <filesystem>
#include <optional>

namespace fl::cli {

// The working directory if it holds configs/ and reference/; else the directory above the
// running binary's (build/freelunch → the checkout); nullopt when neither does (an installed
// binary run outside a checkout).
std::optional<std::filesystem::path> default_source_tree();

}  // namespace fl::cli
