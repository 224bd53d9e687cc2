#include "core/json_duplicate_keys.h"

#include "core/error.h"

namespace fl {

std::optional<std::string> DuplicateKeys::repeated(nlohmann::json::parse_event_t event, const nlohmann::json& parsed) {
  using Event = nlohmann::json::parse_event_t;
  if (event == Event::object_start) open_objects_.emplace_back();
  if (event == Event::object_end) open_objects_.pop_back();
  if (event == Event::key && !open_objects_.back().insert(parsed.get<std::string>()).second)
    return parsed.get<std::string>();
  return std::nullopt;
}

nlohmann::json parse_json_without_duplicate_keys(const std::string& text, const std::string& where) {
  DuplicateKeys keys;
  return nlohmann::json::parse(text, [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (auto key = keys.repeated(event, parsed)) {
      constexpr size_t kShown = 100;  // keeps the message one short line whatever the key
      const std::string shown = key->size() > kShown ? key->substr(0, kShown) + "..." : *key;
      throw Error(where + "key '" + shown + "' is given twice in one object");
    }
    return true;
  });
}

}  // namespace fl
