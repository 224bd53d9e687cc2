// The smallest reproduce suite (the tests of `freelunch reproduce`): every sweep of the suite with
// two cells of a few steps, two seeds; cost and theory at their smallest.
#pragma once
#include <filesystem>

#include "support/fixtures.h"

namespace fl::test_support {

// Writes the suite into dir/tiny and returns that directory.
std::filesystem::path write_tiny_suite(const TempDir& dir);

}  // namespace fl::test_support
