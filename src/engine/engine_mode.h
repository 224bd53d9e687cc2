// Which path trains the models, chosen at run time (`freelunch --engine`):
//   flat      the flat engine of src/engine/ (default): whole-block forward and backward on raw
//             buffers, AdamW over one flat parameter block
//   libtorch  the model's libtorch modules with autograd and torch::optim::AdamW, the path the
//             flat engine is tested against (running the kernels --kernels selects)
// `--kernels reference` implies libtorch: the flat engine has no plain-libtorch kernels.
// Both compute the same training run to float rounding (tests/engine/). The flat engine has layers
// for Mamba-1 and the Transformer only: an LSTM, a Mamba-2 or a linear-attention model trains on
// libtorch whatever the mode (effective_mode(model), docs/MODELS.md).
#pragma once
#include <string>

#include "core/mode_guard.h"
#include "models/model_config.h"

namespace fl::engine {

enum class Mode { kFlat, kLibtorch };

void set_mode(Mode mode);
Mode mode();
// The engine training runs on now: flat only when chosen and the kernels are the fused ones.
Mode effective_mode();
// The engine a model of `config` trains on: effective_mode(), but libtorch for a family the flat
// engine has no layer for (LSTM, Mamba-2, linear attention).
Mode effective_mode(const ModelConfig& config);
// Whether the flat engine has a layer for every block of `config` (Mamba, Transformer, hybrid).
bool flat_engine_supports(const ModelConfig& config);

Mode parse_mode(const std::string& name);  // "flat" | "libtorch"; fl::Error naming the value otherwise
const char* mode_name(Mode mode);

// Sets a mode for the lifetime of the guard (tests, benchmarks), then restores the previous one.
using ModeGuard = fl::ModeGuard<Mode, mode, set_mode>;

}  // namespace fl::engine
