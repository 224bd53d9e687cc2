#include "train/checkpoint_series.h"

#include <cstdio>
#include <regex>

#include "core/atomic_file.h"
#include "core/error.h"
#include "train/checkpoint.h"
#include "train/fault_injection.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

const std::regex kStepName("step-[0-9]+");

std::string step_name(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(step));
  return name;
}

}  // namespace

fs::path CheckpointSeries::save(const LanguageModel& model, const AdamWStates& optimizer, const RunConfig& config,
                                const TrainingProgress& progress) {
  const auto before = latest();
  const std::string name = step_name(progress.step);
  require(!before || before->filename() != name, (dir_ / name).string() + ": this checkpoint exists already");
  const fs::path target = dir_ / name;
  std::error_code ec;
  fs::remove_all(target, ec);  // an incomplete attempt of an earlier session
  save_training_checkpoint(target, model, optimizer, config, progress);
  fault::kill_before_latest(progress.step);
  write_file_atomic(dir_ / "latest", name + "\n");
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string entry_name = entry.path().filename().string();
    if (!std::regex_match(entry_name, kStepName) || entry_name == name) continue;
    if (before && entry_name == before->filename().string()) continue;
    fs::remove_all(entry.path(), ec);
  }
  return target;
}

std::optional<fs::path> CheckpointSeries::latest() const {
  const fs::path pointer = dir_ / "latest";
  if (!fs::exists(pointer)) return std::nullopt;
  std::string name = read_file(pointer);
  if (!name.empty() && name.back() == '\n') name.pop_back();
  require(std::regex_match(name, kStepName), pointer.string() + ": does not name a checkpoint (damaged?)");
  require(fs::is_directory(dir_ / name), pointer.string() + ": names " + name + ", which is missing");
  return dir_ / name;
}

std::optional<fs::path> CheckpointSeries::newest_other_than(const fs::path& excluded) const {
  std::optional<fs::path> best;
  if (!fs::is_directory(dir_)) return best;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, kStepName) || !fs::exists(entry.path() / kManifestName)) continue;
    if (entry.path() == excluded) continue;
    if (!best || step_of(entry.path()) > step_of(*best)) best = entry.path();
  }
  return best;
}

int64_t CheckpointSeries::step_of(const fs::path& checkpoint) {
  return std::stoll(checkpoint.filename().string().substr(5));
}

void CheckpointSeries::remove() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
  require(!ec, dir_.string() + ": cannot remove: " + ec.message());
}

}  // namespace fl
