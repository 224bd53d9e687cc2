// Which implementation the models' hot ops run, chosen at run time (`freelunch --kernels`):
//   fused      the hand-written CPU kernels of src/kernels/ and the torch-free step engine (default)
//   reference  the plain-libtorch path each kernel keeps beside it, and the libtorch step path
// Both compute the same functions; the tests hold the fused kernels to their references.
#pragma once
#include <string>

#include "core/mode_guard.h"

namespace fl::kernels {

enum class Mode { kFused, kReference };

void set_mode(Mode mode);
Mode mode();
inline bool fused() { return mode() == Mode::kFused; }

Mode parse_mode(const std::string& name);  // "fused" | "reference"; fl::Error naming the value otherwise
const char* mode_name(Mode mode);

// Sets a mode for the lifetime of the guard (tests, benchmarks), then restores the previous one.
using ModeGuard = fl::ModeGuard<Mode, mode, set_mode>;

}  // namespace fl::kernels
