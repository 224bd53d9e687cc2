// One exception type for every user-facing failure (bad config, flag, file, task string).
// The CLI prints it as "freelunch: error: <message>" and exits with code 2.
#pragma once
#include <stdexcept>
#include <string>

namespace fl {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws fl::Error(message) unless cond holds. For user input, never for internal invariants.
inline void require(bool cond, const std::string& message) {
  if (!cond) throw Error(message);
}

}  // namespace fl
