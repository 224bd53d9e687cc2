// Sweep cells for the store tests: n cells with distinct configs (seed i, d_state 1 + i mod 3),
// variants "even"/"odd", queued in order.
#pragma once
#include <string>
#include <unordered_set>
#include <vector>

#include "experiments/sweep_spec.h"

namespace fl::test_support {

std::vector<SweepCell> make_cells(int n);
std::unordered_set<std::string> hashes_of(const std::vector<SweepCell>& cells);

}  // namespace fl::test_support
