#include "engine/engine_mode.h"

#include <atomic>

#include "core/error.h"
#include "kernels/kernel_mode.h"

namespace fl::engine {
namespace {
std::atomic<Mode> current{Mode::kFlat};
}

void set_mode(Mode m) { current.store(m); }
Mode mode() { return current.load(); }
Mode effective_mode() { return kernels::fused() ? mode() : Mode::kLibtorch; }

bool flat_engine_supports(const ModelConfig& config) {
  return config.family == ModelFamily::mamba || config.family == ModelFamily::transformer ||
         config.family == ModelFamily::hybrid;
}

Mode effective_mode(const ModelConfig& config) {
  return flat_engine_supports(config) ? effective_mode() : Mode::kLibtorch;
}

Mode parse_mode(const std::string& name) {
  if (name == "flat") return Mode::kFlat;
  if (name == "libtorch") return Mode::kLibtorch;
  throw Error("--engine must be flat or libtorch, got '" + name + "'");
}

const char* mode_name(Mode m) { return m == Mode::kFlat ? "flat" : "libtorch"; }

}  // namespace fl::engine
