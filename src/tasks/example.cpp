#include "tasks/task.h"

namespace fl {

bool Example::free_form() const {
  for (size_t t = static_cast<size_t>(prompt_len); t < loss_mask.size(); ++t)
    if (!loss_mask[t]) return false;
  return true;
}

double Example::memory_bytes() const {
  constexpr double kOverhead = 256;  // the Example, its vectors' and the key's headers, hash-set nodes
  return kOverhead + static_cast<double>(tokens.size()) * (2 * sizeof(int32_t) + 2 * sizeof(uint8_t));
}

}  // namespace fl
