// Wall-clock intervals on the steady clock, for timings and progress. Torch-free.
#pragma once
#include <chrono>

namespace fl {

using SteadyClock = std::chrono::steady_clock;

inline double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}
inline double ms_since(SteadyClock::time_point start) { return 1e3 * seconds_since(start); }

}  // namespace fl
