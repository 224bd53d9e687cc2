// A process-wide run-time mode set for the lifetime of a guard (tests, benchmarks), then
// restored: ModeGuard<Mode, get, set> over the mode's getter and setter.
#pragma once

namespace fl {

template <typename Mode, Mode (*get)(), void (*set)(Mode)>
class ModeGuard {
 public:
  explicit ModeGuard(Mode m) : previous_(get()) { set(m); }
  ~ModeGuard() { set(previous_); }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;

 private:
  Mode previous_;
};

}  // namespace fl
