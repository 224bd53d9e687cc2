#include "tasks/task.h"

namespace fl {

bool Example::free_form() const {
  for (size_t t = static_cast<size_t>(prompt_len); t < loss_mask.size(); ++t)
    if (!loss_mask[t]) return false;
  return true;
}

}  // namespace fl
