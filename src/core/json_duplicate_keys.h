// nlohmann::json keeps the last of two equal keys in an object without a word, so a config
// {"model": {"d_model": 16, "d_model": 8}} would silently mean d_model = 8. Parsers that must
// refuse that (config files, dataset lines, safetensors headers) feed the parse events of
// Json::parse's callback to a DuplicateKeys and stop at the first repeated key.
#pragma once
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fl {

class DuplicateKeys {
 public:
  // Call for every event of a parse (in order); returns the key when `event` gives a key its
  // object already has.
  std::optional<std::string> repeated(nlohmann::json::parse_event_t event, const nlohmann::json& parsed);

 private:
  std::vector<std::set<std::string>> open_objects_;  // the keys seen in each enclosing object
};

// Json::parse(text) that throws fl::Error(where + "key 'k' is given twice in one object") on a
// repeated key; nlohmann's own parse errors propagate unchanged.
nlohmann::json parse_json_without_duplicate_keys(const std::string& text, const std::string& where);

}  // namespace fl
