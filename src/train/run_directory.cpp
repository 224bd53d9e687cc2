#include "train/run_directory.h"

#include <algorithm>
#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/memory_budget.h"
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

RunDirectoryState RunDirectory::state() const {
  const fs::path& dir = dir_;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return RunDirectoryState::empty;
  if (!fs::is_directory(dir, ec)) return RunDirectoryState::other;
  if (fs::is_empty(dir, ec)) return RunDirectoryState::empty;
  if (fs::exists(dir / "checkpoints" / "latest", ec)) return RunDirectoryState::interrupted;
  if (fs::exists(dir / "config.json", ec) && fs::exists(dir / "metrics.jsonl", ec)) return RunDirectoryState::finished;
  return holds_only_unstarted_remains(dir) ? RunDirectoryState::unstarted : RunDirectoryState::other;
}

void RunDirectory::clear_unstarted() const {
  const fs::path& dir = dir_;
  std::error_code ec;
  for (const char* name : {"metrics.jsonl", "checkpoints"}) {
    fs::remove_all(dir / name, ec);
    require(!ec, (dir / name).string() + ": cannot remove the remains of a run that never checkpointed: " +
                     ec.message());
  }
}

Json RunDirectory::saved_config(RunDirectoryState state) const {
  const fs::path checkpoint = state == RunDirectoryState::interrupted ? *CheckpointSeries(dir_).latest() : dir_;
  const std::string text = read_checkpoint_file(checkpoint, "config.json", read_manifest(checkpoint));
  Json config = Json::parse(text, nullptr, false);
  require(!config.is_discarded(), (checkpoint / "config.json").string() + ": not valid JSON (damaged?)");
  return config;
}

void RunDirectory::write_summary(const TrainSummary& summary) const {
  write_file_atomic(summary_file(), summary.to_json().dump(2) + "\n");
}

TrainSummary RunDirectory::summary() const {
  try {
    return TrainSummary::from_json(Json::parse(read_file(summary_file())));
  } catch (const Json::exception&) {
    throw Error(summary_file().string() + ": damaged or of an older format; remove " + dir_.string() +
                " to train the run again");
  }
}

std::vector<EvalPoint> RunDirectory::eval_curve() const {
  std::vector<EvalPoint> curve;
  const std::string text = read_file(metrics_file(), memory_budget_bytes());
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const Json line = Json::parse(text.substr(start, end - start));
    start = end + 1;
    if (!line.contains("eval")) continue;
    const auto overall = EvalReport::from_json(line["eval"]).overall();
    curve.push_back({line.at("step").get<int64_t>(), overall.tf.whole,
                     overall.generated ? std::optional<double>(overall.gen.whole) : std::nullopt});
  }
  return curve;
}

Json to_json(const std::vector<EvalPoint>& curve) {
  Json out = Json::array();
  for (const auto& p : curve)
    out.push_back({{"step", p.step}, {"accuracy", p.accuracy}, {"gen", p.generated ? Json(*p.generated) : Json()}});
  return out;
}

std::vector<EvalPoint> eval_curve_from_json(const Json& json) {
  std::vector<EvalPoint> curve;
  for (const auto& p : json)
    curve.push_back({p.at("step").get<int64_t>(), p.at("accuracy").get<double>(),
                     p.at("gen").is_null() ? std::nullopt : std::optional<double>(p.at("gen").get<double>())});
  return curve;
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
