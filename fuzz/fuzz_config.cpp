// libFuzzer target: run configurations end to end, torch-free — a TOML or JSON document (JSON
// when its first non-blank byte is '{'), then optional --set overrides, one per line after a
// line "#--set" (a TOML comment, so seeds stay valid TOML), through RawConfig::from_file,
// apply_override and RunConfig::from_raw: flattening, types, ranges, unknown keys,
// cross-field checks, the task's own constraints and the model configuration. Every input
// must load or throw fl::Error; a loaded config must reload from its own JSON unchanged.
#include <sstream>
#include <string>

#include "core/error.h"
#include "temp_file.h"
#include "train/run_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string toml_path = fl::fuzz::temp_path("config.toml"),
                           json_path = fl::fuzz::temp_path("config.json");
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string marker = "\n#--set\n";
  const size_t split = input.find(marker);
  const std::string document = input.substr(0, split);
  const size_t first = document.find_first_not_of(" \t\r\n");
  const std::string& path = first != std::string::npos && document[first] == '{' ? json_path : toml_path;
  fl::fuzz::write_text(path, document);
  try {
    fl::RawConfig raw = fl::RawConfig::from_file(path);
    if (split != std::string::npos) {
      std::istringstream lines(input.substr(split + marker.size()));
      for (std::string line; std::getline(lines, line);) raw.apply_override(line);
    }
    const fl::RunConfig config = fl::RunConfig::from_raw(std::move(raw));
    const fl::Json saved = config.to_json();
    const fl::RunConfig again = fl::RunConfig::from_raw(fl::RawConfig::from_json(saved, "saved"));
    if (again.to_json() != saved) __builtin_trap();
  } catch (const fl::Error&) {
  }
  return 0;
}
