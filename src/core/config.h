// Configuration machinery: documents (TOML or JSON) are flattened to dotted keys
// ("model.d_model"), checked against declared parameter specs, and overridden by
// "--set key=value". Each box (model, task, train, eval) declares its own specs; this file
// knows none of them. Every problem is an fl::Error naming the key and the source.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fl {

using Json = nlohmann::json;

enum class Kind { Int, Float, Bool, String, IntList };

// One configurable parameter: its dotted key, type, default, allowed range/choices and doc.
struct ParamSpec {
  std::string key;
  Kind kind;
  Json default_value;                 // null = required
  std::string doc;
  std::optional<double> min{};        // inclusive bounds, for Int, Float and IntList elements
  std::optional<double> max{};
  std::vector<std::string> choices{}; // for String: the allowed values (empty = any)
  // For String: a file path, made absolute (against the working directory) when resolved, so a
  // saved config finds the file from any directory. "" stays "".
  bool is_path = false;
};

std::string kind_name(Kind kind);  // "an integer", for messages
// True when `text` is valid UTF-8, as every string JSON stores (config.json, vocab.json) must be.
bool valid_utf8(const std::string& text);
// Short labels for listings (freelunch keys / tasks): "int", "1 … 64" or "a | b", the default or "required".
std::string kind_label(Kind kind);
std::string range_label(const ParamSpec& spec);
std::string default_label(const ParamSpec& spec);
// A list of integers as --set and the CLI's list flags take it: "2,4,8" or "[2, 4, 8]", spaces
// around items ignored; nullopt when an item is not an integer ("" is the empty list).
std::optional<std::vector<int64_t>> parse_int_list(const std::string& text);

// Validated values, by dotted key. Getters expect the key to have been declared.
class ParamValues {
 public:
  void put(const std::string& key, Json value) { values_[key] = std::move(value); }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  std::vector<int64_t> get_int_list(const std::string& key) const;
  const std::map<std::string, Json>& all() const { return values_; }
  // Nested JSON object ("model": {"d_model": ...}) of every value.
  Json to_nested_json() const;

 private:
  const Json& at(const std::string& key) const;
  std::map<std::string, Json> values_;
};

// What a list in a document may hold: plain values (run configs), or also tables (sweep files'
// [[variants]]), each nesting at most as deep as a document may.
enum class ListItems { values, values_or_tables };

// A raw, flattened configuration document plus the name it came from (for messages).
struct RawConfig {
  std::string source;
  std::map<std::string, Json> values;          // dotted key → scalar or array, from the document
  std::map<std::string, std::string> overrides;  // dotted key → text, from --set

  static RawConfig from_file(const std::filesystem::path& path,  // .toml or .json
                             ListItems items = ListItems::values);
  static RawConfig from_json(const Json& doc, const std::string& source, ListItems items = ListItems::values);
  // Records "key=value"; the text is converted by the key's spec in resolve().
  void apply_override(const std::string& assignment);
  bool empty() const { return values.empty() && overrides.empty(); }
};

// Checks `raw` against `specs`: converts override text, checks types, ranges and choices,
// fills defaults. Keys of `raw` that no spec claims are left in `raw` (the caller reports them).
ParamValues resolve(RawConfig& raw, const std::vector<ParamSpec>& specs);

// Throws "unknown config key 'x'" (with a close match, if any) when `raw` still holds keys.
void reject_unknown_keys(const RawConfig& raw, const std::vector<ParamSpec>& known);

}  // namespace fl
