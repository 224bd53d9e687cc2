#include "interchange/sidecar.h"

#include <algorithm>

#include "core/atomic_file.h"
#include "core/error.h"

namespace fl::interchange {

namespace fs = std::filesystem;

namespace {

constexpr int kSidecarFormat = 1;

}  // namespace

std::string sidecar_json(const Json& run_config, const std::vector<std::string>& recorded_vocab) {
  Json doc = {{"format", kSidecarFormat}, {"config", run_config}};
  if (!recorded_vocab.empty()) doc["vocab"] = recorded_vocab;
  return doc.dump(2) + "\n";
}

Sidecar read_sidecar(const fs::path& dir) {
  const fs::path path = dir / kSidecarName;
  require(fs::exists(path), path.string() + ": missing; it names the task the model was trained on, e.g. "
                                            "{\"format\": 1, \"config\": {\"task\": {\"name\": \"copy\"}}} "
                                            "(docs/EXPORT.md)");
  const Json doc = Json::parse(read_file(path), nullptr, false);
  const std::string where = path.string() + ": ";
  require(!doc.is_discarded() && doc.is_object(), where + "not a JSON object");
  require(doc.contains("format") && doc["format"] == kSidecarFormat,
          where + "\"format\" must be " + std::to_string(kSidecarFormat));
  require(doc.contains("config") && doc["config"].is_object(), where + "needs a \"config\" object");
  for (const auto& item : doc.items())
    require(item.key() == "format" || item.key() == "config" || item.key() == "vocab",
            where + "unknown key '" + item.key() + "' (format, config, vocab)");
  Sidecar sidecar{RawConfig::from_json(doc["config"], path.string()), {}};
  if (doc.contains("vocab")) {
    const Json& names = doc["vocab"];
    const bool valid = names.is_array() && !names.empty() &&
                       std::all_of(names.begin(), names.end(), [](const Json& n) { return n.is_string(); });
    require(valid, where + "\"vocab\" must be a non-empty list of token names");
    sidecar.vocab = names.get<std::vector<std::string>>();
  }
  return sidecar;
}

}  // namespace fl::interchange
