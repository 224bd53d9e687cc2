#include "kernels/kernel_mode.h"

#include <atomic>

#include "core/error.h"

namespace fl::kernels {
namespace {
std::atomic<Mode> current{Mode::kFused};
}

void set_mode(Mode m) { current.store(m); }
Mode mode() { return current.load(); }

Mode parse_mode(const std::string& name) {
  if (name == "fused") return Mode::kFused;
  if (name == "reference") return Mode::kReference;
  throw Error("--kernels must be fused or reference, got '" + name + "'");
}

const char* mode_name(Mode m) { return m == Mode::kFused ? "fused" : "reference"; }

}  // namespace fl::kernels
