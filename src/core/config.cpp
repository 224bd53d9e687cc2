#include "core/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include <toml++/toml.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_duplicate_keys.h"

namespace fl {

std::string kind_name(Kind kind) {
  switch (kind) {
    case Kind::Int: return "an integer";
    case Kind::Float: return "a number";
    case Kind::Bool: return "a boolean";
    case Kind::String: return "a string";
    case Kind::IntList: return "a list of integers";
  }
  return "?";
}

bool valid_utf8(const std::string& text) {
  try {
    Json(text).dump();
    return true;
  } catch (const Json::type_error&) {
    return false;
  }
}

std::string kind_label(Kind kind) {
  switch (kind) {
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::Bool: return "bool";
    case Kind::String: return "string";
    case Kind::IntList: return "int list";
  }
  return "?";
}

std::string range_label(const ParamSpec& s) {
  if (!s.choices.empty()) {
    std::string out;
    for (const auto& c : s.choices) out += (out.empty() ? "" : " | ") + c;
    return out;
  }
  auto num = [&](double v) {
    return s.kind == Kind::Float ? Json(v).dump() : std::to_string(static_cast<long long>(v));
  };
  if (s.min && s.max) return num(*s.min) + " … " + num(*s.max);
  if (s.min) return "≥ " + num(*s.min);
  return "";
}

std::string default_label(const ParamSpec& s) { return s.default_value.is_null() ? "required" : s.default_value.dump(); }

// ---------------------------------------------------------------------------------------------
// ParamValues

const Json& ParamValues::at(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("config key not declared: " + key);
  return it->second;
}
int64_t ParamValues::get_int(const std::string& key) const { return at(key).get<int64_t>(); }
double ParamValues::get_float(const std::string& key) const { return at(key).get<double>(); }
bool ParamValues::get_bool(const std::string& key) const { return at(key).get<bool>(); }
std::string ParamValues::get_string(const std::string& key) const { return at(key).get<std::string>(); }
std::vector<int64_t> ParamValues::get_int_list(const std::string& key) const {
  return at(key).get<std::vector<int64_t>>();
}

Json ParamValues::to_nested_json() const {
  Json out = Json::object();
  for (const auto& [key, value] : values_) {
    Json* node = &out;
    size_t start = 0;
    for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1)
      node = &(*node)[key.substr(start, dot - start)];
    (*node)[key.substr(start)] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading documents

namespace {

// Declared keys nest two levels ("model.d_model"); a deeper document is a mistake, and the bound
// keeps recursion and dotted-key length small for any input.
constexpr int kMaxNesting = 8;

// True when `node` has at most `levels` levels of lists and tables inside it. The recursion is
// bounded by `levels`, whatever the input.
bool nests_within(const Json& node, int levels) {
  if (!node.is_structured()) return true;
  if (levels == 0) return false;
  for (const auto& child : node)  // values of an object, elements of an array
    if (!nests_within(child, levels - 1)) return false;
  return true;
}

void flatten(const Json& node, const std::string& prefix, int depth, const std::string& source, ListItems items,
             std::map<std::string, Json>& out) {
  if (node.is_object()) {
    require(depth < kMaxNesting, source + ": settings nest deeper than " + std::to_string(kMaxNesting) +
                                     " levels under '" + prefix + "'");
    for (const auto& [k, v] : node.items()) {
      require(!k.empty(), source + ": empty key" + (prefix.empty() ? "" : " under '" + prefix + "'"));
      flatten(v, prefix.empty() ? k : prefix + "." + k, depth + 1, source, items, out);
    }
    return;
  }
  require(!prefix.empty(), source + ": the document must be a table/object of settings");
  // Checked before the value is copied (copying a JSON value recurses into nested lists).
  if (node.is_array())
    for (const auto& element : node) {
      const bool table_allowed = items == ListItems::values_or_tables && element.is_object() &&
                                 nests_within(element, kMaxNesting - depth);
      require(!element.is_structured() || table_allowed,
              source + ": '" + prefix + "' holds a nested list or table (a setting is a value or a list of values)");
    }
  // {"model.d_model": 8, "model": {"d_model": 9}} names one key twice.
  require(out.emplace(prefix, node).second,
          source + ": key '" + prefix + "' is given twice (as a dotted name and as a nested table)");
}

Json toml_to_json(const toml::node& node, const std::string& where) {
  if (auto* table = node.as_table()) {
    Json obj = Json::object();
    for (const auto& [k, v] : *table) obj[std::string(k.str())] = toml_to_json(v, where);
    return obj;
  }
  if (auto* array = node.as_array()) {
    Json arr = Json::array();
    for (const auto& v : *array) arr.push_back(toml_to_json(v, where));
    return arr;
  }
  // By type, without conversions: node.value<int64_t>() casts a float such as 9.3e20 to int64
  // (undefined behaviour, found by fuzz_config).
  if (const auto* v = node.as_integer()) return v->get();
  if (const auto* v = node.as_floating_point()) return v->get();
  if (const auto* v = node.as_boolean()) return v->get();
  if (const auto* v = node.as_string()) return v->get();
  throw Error(where + ": unsupported TOML value (dates and times are not settings)");
}

}  // namespace

RawConfig RawConfig::from_json(const Json& doc, const std::string& source, ListItems items) {
  require(doc.is_object(), source + ": the document must be a table/object of settings");
  RawConfig raw{source, {}, {}};
  flatten(doc, "", 0, source, items, raw.values);
  return raw;
}

RawConfig RawConfig::from_file(const std::filesystem::path& path, ListItems items) {
  const std::string source = path.string();
  const std::string ext = path.extension().string();
  // Checked before reading, so that a device such as /dev/zero is refused, not read forever.
  require(ext == ".toml" || ext == ".json", source + ": config files must end in .toml or .json");
  const std::string text = read_file(path);
  if (ext == ".json") {
    Json doc;
    try {
      doc = parse_json_without_duplicate_keys(text, source + ": ");
    } catch (const Json::parse_error& e) {
      throw Error(source + ": not valid JSON (at byte " + std::to_string(e.byte) + ")");
    } catch (const Json::exception&) {  // out_of_range: a number too large for a double
      throw Error(source + ": not valid JSON (a number out of range)");
    }
    return from_json(doc, source, items);
  }
  try {
    toml::table table = toml::parse(text, source);
    return from_json(toml_to_json(table, source), source, items);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw Error(source + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                ": " + std::string(e.description()));
  }
}

void RawConfig::apply_override(const std::string& assignment) {
  auto eq = assignment.find('=');
  require(eq != std::string::npos && eq > 0,
          "--set expects key=value, got '" + assignment + "'");
  overrides[assignment.substr(0, eq)] = assignment.substr(eq + 1);
}

// ---------------------------------------------------------------------------------------------
// Resolving against specs

namespace {

// An integer that fits int64 (JSON parsers also produce uint64 values up to 2^64 - 1).
bool is_int64(const Json& v) {
  return v.is_number_integer() &&
         !(v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
}

// Spaces and tabs around a number, boolean or list are ignored (`k= 5` and `k=5 ` both mean 5);
// a string is taken exactly as written.
std::string trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::optional<int64_t> parse_int(const std::string& s) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return std::nullopt;
  size_t used = 0;
  try {
    const int64_t v = std::stoll(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// --set text as a value of `kind`; fl::Error naming `where` if it is not one.
Json parse_text(const std::string& raw_text, Kind kind, const std::string& where) {
  const std::string text = kind == Kind::String ? raw_text : trimmed(raw_text);
  const auto expected = [&] {
    return Error(where + ": expected " + (kind == Kind::String ? "UTF-8 text" : kind_name(kind)) + ", got '" +
                 raw_text + "'");
  };
  switch (kind) {
    case Kind::Int:
      if (auto v = parse_int(text)) return *v;
      throw expected();
    case Kind::Float: {
      // strtod, not stod: a subnormal such as 1e-320 is a number (stod calls its underflow an error).
      char* end = nullptr;
      if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) throw expected();
      errno = 0;
      const double v = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size()) throw expected();
      if (std::isinf(v) && errno == ERANGE)
        throw Error(where + ": '" + raw_text + "' is beyond the largest number a double holds (about 1.8e308)");
      if (!std::isfinite(v)) throw Error(where + ": expected a finite number, got '" + raw_text + "'");
      return v;
    }
    case Kind::Bool:
      if (text == "true") return true;
      if (text == "false") return false;
      throw expected();
    case Kind::String:
      if (!valid_utf8(text)) throw expected();
      return text;
    case Kind::IntList:
      if (auto list = parse_int_list(text)) return *list;
      throw expected();
  }
  throw expected();
}

bool has_kind(const Json& v, Kind kind) {
  switch (kind) {
    case Kind::Int: return is_int64(v);
    case Kind::Float: return v.is_number() && std::isfinite(v.get<double>());
    case Kind::Bool: return v.is_boolean();
    case Kind::String: return v.is_string();
    case Kind::IntList:
      return v.is_array() && std::all_of(v.begin(), v.end(), is_int64);
  }
  return false;
}

// As written in a config; JSON has no spelling for TOML's nan and inf, which dump() shows as null.
std::string show(const Json& v) {
  if (v.is_number_float() && !std::isfinite(v.get<double>())) return std::to_string(v.get<double>());
  return v.dump();
}

void check_range(const ParamSpec& spec, const Json& v, const std::string& where) {
  const bool integral = spec.kind != Kind::Float;
  auto bound = [&](double b) { return integral ? show(Json(static_cast<int64_t>(b))) : show(Json(b)); };
  auto check_one = [&](double x) {
    if (spec.min && x < *spec.min)
      throw Error(where + ": '" + spec.key + "' must be ≥ " + bound(*spec.min) + ", got " + show(v));
    if (spec.max && x > *spec.max)
      throw Error(where + ": '" + spec.key + "' must be ≤ " + bound(*spec.max) + ", got " + show(v));
  };
  if (spec.kind == Kind::Int || spec.kind == Kind::Float) check_one(v.get<double>());
  if (spec.kind == Kind::IntList)
    for (const auto& e : v) check_one(e.get<double>());
  if (spec.kind == Kind::String && !spec.choices.empty() &&
      std::find(spec.choices.begin(), spec.choices.end(), v.get<std::string>()) == spec.choices.end()) {
    std::string all;
    for (const auto& c : spec.choices) all += (all.empty() ? "" : ", ") + c;
    throw Error(where + ": '" + spec.key + "' must be one of " + all + ", got " + show(v));
  }
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<std::vector<int64_t>> parse_int_list(const std::string& text) {
  std::string body = trimmed(text);
  if (body.size() >= 2 && body.front() == '[' && body.back() == ']') body = body.substr(1, body.size() - 2);
  std::vector<int64_t> list;
  std::stringstream ss(body);
  for (std::string item; std::getline(ss, item, ',');) {
    const auto v = parse_int(trimmed(item));
    if (!v) return std::nullopt;
    list.push_back(*v);
  }
  return list;
}

ParamValues resolve(RawConfig& raw, const std::vector<ParamSpec>& specs) {
  ParamValues out;
  for (const auto& spec : specs) {
    Json value;
    std::string where = raw.source;
    if (auto o = raw.overrides.find(spec.key); o != raw.overrides.end()) {
      where = "--set " + spec.key;
      value = parse_text(o->second, spec.kind, where);
      raw.overrides.erase(o);
      raw.values.erase(spec.key);
    } else if (auto v = raw.values.find(spec.key); v != raw.values.end()) {
      value = v->second;
      raw.values.erase(v);
      // A whole number is a fine Float; anything else must have the declared type.
      if (spec.kind == Kind::Float && value.is_number()) value = value.get<double>();
      require(has_kind(value, spec.kind),
              where + ": '" + spec.key + "' must be " + kind_name(spec.kind) + ", got " + show(value));
    } else {
      require(!spec.default_value.is_null(), where + ": missing required key '" + spec.key + "'");
      value = spec.default_value;
    }
    check_range(spec, value, where);
    if (spec.is_path && !value.get<std::string>().empty())
      value = std::filesystem::absolute(value.get<std::string>()).string();
    out.put(spec.key, value);
  }
  return out;
}

void reject_unknown_keys(const RawConfig& raw, const std::vector<ParamSpec>& known) {
  auto report = [&](const std::string& key, const std::string& where) {
    std::string best;
    size_t best_distance = 4;
    for (const auto& spec : known) {
      size_t d = edit_distance(key, spec.key);
      if (d < best_distance) best_distance = d, best = spec.key;
    }
    throw Error(where + ": unknown config key '" + key + "'" +
                (best.empty() ? "" : " (did you mean '" + best + "'?)"));
  };
  if (!raw.overrides.empty()) report(raw.overrides.begin()->first, "--set");
  if (!raw.values.empty()) report(raw.values.begin()->first, raw.source);
}

}  // namespace fl
