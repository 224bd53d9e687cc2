#include "support/sweep_cells.h"

namespace fl::test_support {

std::vector<SweepCell> make_cells(int n) {
  std::vector<SweepCell> cells;
  for (int i = 0; i < n; ++i) {
    Json config = {{"seed", i}, {"model.d_state", 1 + i % 3}};
    cells.push_back({config_hash(config), i % 2 ? "odd" : "even", config, i});
  }
  return cells;
}

std::unordered_set<std::string> hashes_of(const std::vector<SweepCell>& cells) {
  std::unordered_set<std::string> out;
  for (const auto& c : cells) out.insert(c.hash);
  return out;
}

}  // namespace fl::test_support
