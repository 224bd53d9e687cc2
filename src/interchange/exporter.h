// `freelunch export`: a checkpoint written as a Hugging Face directory or a GGUF file
// (docs/EXPORT.md). Torch-free: it works on the checkpoint's tensors as bytes.
#pragma once
#include <filesystem>

#include "interchange/export_source.h"
#include "interchange/family_naming.h"

namespace fl::interchange {

// Checked before any work: `out` can be created or is a writable directory, and is empty unless
// `force` (then the export's own files in it are replaced and nothing else is touched).
// fl::Error naming --out otherwise.
void check_export_output(const std::filesystem::path& out, bool force);

// Writes the export of `source` into `out`. Refused, before anything is written, with one
// fl::Error naming why, when the target cannot represent the model (a family without a table, a
// shape the target does not support). Each file is written atomically, in an order that keeps
// the directory loadable at every moment (hf_files, gguf_files); with `force` the export's files
// already in `out` are removed first, so old and new files never mix. Returns the files written.
std::vector<std::filesystem::path> export_model(const ExportSource& source, Target target,
                                                const std::filesystem::path& out, bool force);

}  // namespace fl::interchange
