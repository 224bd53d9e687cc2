#include "train/run_directory.h"

#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "train/checkpoint.h"
#include "train/checkpoint_series.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

// An empty metrics.jsonl and checkpoints/ without `latest`, nothing else.
bool holds_only_unstarted_remains(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "metrics.jsonl" && entry.is_regular_file(ec) && entry.file_size(ec) == 0) continue;
    if (name == "checkpoints" && entry.is_directory(ec) && !fs::exists(entry.path() / "latest", ec)) continue;
    return false;
  }
  return !ec;
}

void flatten(const Json& j, const std::string& prefix, std::map<std::string, Json>& out) {
  if (!j.is_object()) {
    out[prefix] = j;
    return;
  }
  for (const auto& [key, value] : j.items()) flatten(value, prefix.empty() ? key : prefix + "." + key, out);
}

}  // namespace

RunDirectoryState inspect_run_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return RunDirectoryState::empty;
  if (!fs::is_directory(dir, ec)) return RunDirectoryState::other;
  if (fs::is_empty(dir, ec)) return RunDirectoryState::empty;
  if (fs::exists(dir / "checkpoints" / "latest", ec)) return RunDirectoryState::interrupted;
  if (fs::exists(dir / "config.json", ec) && fs::exists(dir / "metrics.jsonl", ec)) return RunDirectoryState::finished;
  return holds_only_unstarted_remains(dir) ? RunDirectoryState::unstarted : RunDirectoryState::other;
}

void clear_unstarted_run(const fs::path& dir) {
  std::error_code ec;
  for (const char* name : {"metrics.jsonl", "checkpoints"}) {
    fs::remove_all(dir / name, ec);
    require(!ec, (dir / name).string() + ": cannot remove the remains of a run that never checkpointed: " +
                     ec.message());
  }
}

Json saved_run_config(const fs::path& dir, RunDirectoryState state) {
  const fs::path checkpoint = state == RunDirectoryState::interrupted ? *CheckpointSeries(dir).latest() : dir;
  const std::string text = read_checkpoint_file(checkpoint, "config.json", read_manifest(checkpoint));
  Json config = Json::parse(text, nullptr, false);
  require(!config.is_discarded(), (checkpoint / "config.json").string() + ": not valid JSON (damaged?)");
  return config;
}

std::string first_config_difference(const Json& wanted, const Json& saved) {
  std::map<std::string, Json> a, b;
  flatten(wanted, "", a);
  flatten(saved, "", b);
  for (const auto& [key, value] : a) {
    const auto it = b.find(key);
    if (it == b.end()) return key + " = " + value.dump() + " (the run has no " + key + ")";
    if (it->second != value) return key + " = " + value.dump() + " (the run has " + it->second.dump() + ")";
  }
  for (const auto& [key, value] : b)
    if (!a.count(key)) return key + " is not set (the run has " + value.dump() + ")";
  return "";
}

}  // namespace fl
