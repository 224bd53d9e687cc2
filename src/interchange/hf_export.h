// A Hugging Face transformers directory (MambaForCausalLM for Mamba-1): config.json with
// MambaConfig's keys, model.safetensors under transformers' tensor names (the tied head left
// out, as save_pretrained does), and freelunch.json (sidecar.h) so freelunch loads it back.
// Torch-free.
#pragma once
#include <vector>

#include "interchange/export_source.h"
#include "interchange/family_naming.h"

namespace fl::interchange {

// The files in write order: the weights and the sidecar before config.json, which marks the
// directory as a model, so a directory with a config.json always holds the rest.
std::vector<ExportFile> hf_files(const ExportSource& source, const FamilyNaming& naming);

// config.json's object.
Json hf_config(const ExportSource& source, const FamilyNaming& naming);

}  // namespace fl::interchange
