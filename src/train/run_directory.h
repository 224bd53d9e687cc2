// What a directory given as a run's --out holds, for `train` and `compare` to decide between
// starting, reusing, resuming and refusing (docs/RELIABILITY.md):
//   empty        missing, or an empty directory
//   unstarted    the remains of a run that stopped before checkpoints/latest named its first
//                checkpoint (an empty metrics.jsonl, a checkpoints/ directory without `latest`):
//                nothing to resume, so a new run may clear it and start there
//   interrupted  a run with checkpoints/latest: `train --resume` continues it
//   finished     a finished run (config.json, no checkpoints/latest)
//   other        anything else: never touched
#pragma once
#include <filesystem>
#include <string>

#include "core/config.h"

namespace fl {

enum class RunDirectoryState { empty, unstarted, interrupted, finished, other };

RunDirectoryState inspect_run_directory(const std::filesystem::path& dir);

// Removes what a run that stopped before its first checkpoint left (metrics.jsonl, checkpoints/).
void clear_unstarted_run(const std::filesystem::path& dir);

// The resolved config (config.json) of the run in `dir`: of the finished run, or of the checkpoint
// checkpoints/latest names (verified against its manifest).
Json saved_run_config(const std::filesystem::path& dir, RunDirectoryState state);

// "train.steps = 5 (the run has 8)": the first key whose value differs between two resolved
// configs (nested JSON); "" when they are equal.
std::string first_config_difference(const Json& wanted, const Json& saved);

}  // namespace fl
