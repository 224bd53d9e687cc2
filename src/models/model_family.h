// The sequence-mixer families freelunch trains, as a type: configs parse it once (model.type),
// and everything downstream (models, cost, speed, the report) switches on it. Torch-free.
#pragma once
#include <string>

#include "core/error.h"

namespace fl {

enum class ModelFamily {
  mamba,        // selective state-space model: constant-size state per layer
  transformer,  // causal attention; with model.window > 0 a sliding-window Transformer
  hybrid,       // Mamba blocks, with Transformer blocks at the layers model.attn_layers names
  lstm,         // LSTM blocks (the recurrent baseline): constant-size state (h, c) per layer
  mamba2,       // Mamba-2 (SSD) blocks: one scalar decay per head, constant-size state per layer
  linear,       // linear attention blocks (decay none, fixed per head, or GLA's gate): constant state
};

// Every family, in the order they were added (error messages and key documentation list them so).
inline constexpr ModelFamily kModelFamilies[] = {ModelFamily::mamba, ModelFamily::transformer, ModelFamily::hybrid,
                                                 ModelFamily::lstm,  ModelFamily::mamba2,      ModelFamily::linear};

// The family's name as model.type and stored configs spell it: "mamba", "transformer", "hybrid",
// "lstm", "mamba2", "linear".
inline const char* to_string(ModelFamily family) {
  switch (family) {
    case ModelFamily::mamba: return "mamba";
    case ModelFamily::transformer: return "transformer";
    case ModelFamily::hybrid: return "hybrid";
    case ModelFamily::lstm: return "lstm";
    case ModelFamily::mamba2: return "mamba2";
    case ModelFamily::linear: return "linear";
  }
  return "mamba";
}

// A family name → the family; "window" (a Transformer that needs model.window > 0) is read as
// "transformer" by ModelConfig::from. Anything else throws fl::Error naming `what` (e.g. "model.type").
inline ModelFamily parse_model_family(const std::string& name, const std::string& what) {
  for (ModelFamily f : kModelFamilies)
    if (name == to_string(f)) return f;
  throw Error(what + " = '" + name + "': expected mamba, transformer, window, hybrid, lstm, mamba2 or linear");
}

}  // namespace fl
