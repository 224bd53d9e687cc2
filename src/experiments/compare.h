// `freelunch compare`: trains each config with the same overrides into out/<config name>, then
// tabulates string accuracy per task size side by side with parameters and inference-state bytes
// (out/compare.txt). A finished run of the same resolved config is reused and an interrupted one
// resumed from its checkpoint, so a rerun only trains what is missing; a directory holding any
// other run is refused, never deleted (docs/RELIABILITY.md).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace fl {

struct CompareOptions {
  std::vector<std::string> configs;  // config files; each run is named after its file's stem
  std::vector<std::string> overrides;  // "key=value", applied to every config
  std::filesystem::path out;
};

// Every config is validated before any trains (same task and eval.sizes required). Returns the
// table's text, also written to out/compare.txt. An interruption (TrainingInterrupted) carries
// how to continue.
std::string run_compare(const CompareOptions& options);

}  // namespace fl
