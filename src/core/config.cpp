#include "core/config.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <toml++/toml.h>

#include "core/atomic_file.h"
#include "core/error.h"

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

void flatten(const Json& node, const std::string& prefix, const std::string& source,
             std::map<std::string, Json>& out) {
  if (node.is_object()) {
    for (const auto& [k, v] : node.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, source, out);
    return;
  }
  require(!prefix.empty(), source + ": the document must be a table/object of settings");
  out[prefix] = node;
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
  if (auto v = node.value<int64_t>(); v && node.is_integer()) return *v;
  if (auto v = node.value<double>(); v && node.is_floating_point()) return *v;
  if (auto v = node.value<bool>()) return *v;
  if (auto v = node.value<std::string>()) return *v;
  throw Error(where + ": unsupported TOML value (dates and times are not settings)");
}

}  // namespace

RawConfig RawConfig::from_json(const Json& doc, const std::string& source) {
  require(doc.is_object(), source + ": the document must be a table/object of settings");
  RawConfig raw{source, {}, {}};
  flatten(doc, "", source, raw.values);
  return raw;
}

RawConfig RawConfig::from_file(const std::filesystem::path& path) {
  const std::string source = path.string();
  const std::string text = read_file(path);
  const std::string ext = path.extension().string();
  if (ext == ".json") {
    Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    require(!doc.is_discarded(), source + ": not valid JSON");
    return from_json(doc, source);
  }
  require(ext == ".toml", source + ": config files must end in .toml or .json");
  try {
    toml::table table = toml::parse(text, source);
    return from_json(toml_to_json(table, source), source);
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

std::optional<Json> parse_text(const std::string& text, Kind kind) {
  auto parse_int = [](const std::string& s) -> std::optional<int64_t> {
    size_t used = 0;
    try {
      int64_t v = std::stoll(s, &used);
      if (used == s.size()) return v;
    } catch (const std::exception&) {
    }
    return std::nullopt;
  };
  switch (kind) {
    case Kind::Int:
      if (auto v = parse_int(text)) return Json(*v);
      return std::nullopt;
    case Kind::Float: {
      size_t used = 0;
      try {
        double v = std::stod(text, &used);
        if (used == text.size() && std::isfinite(v)) return Json(v);
      } catch (const std::exception&) {
      }
      return std::nullopt;
    }
    case Kind::Bool:
      if (text == "true") return Json(true);
      if (text == "false") return Json(false);
      return std::nullopt;
    case Kind::String:
      return Json(text);
    case Kind::IntList: {
      std::string body = text;
      if (body.size() >= 2 && body.front() == '[' && body.back() == ']') body = body.substr(1, body.size() - 2);
      Json list = Json::array();
      std::stringstream ss(body);
      std::string item;
      while (std::getline(ss, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        auto v = parse_int(item);
        if (!v) return std::nullopt;
        list.push_back(*v);
      }
      return list;
    }
  }
  return std::nullopt;
}

bool has_kind(const Json& v, Kind kind) {
  switch (kind) {
    case Kind::Int: return v.is_number_integer();
    case Kind::Float: return v.is_number() && std::isfinite(v.get<double>());
    case Kind::Bool: return v.is_boolean();
    case Kind::String: return v.is_string();
    case Kind::IntList:
      return v.is_array() && std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_number_integer(); });
  }
  return false;
}

std::string show(const Json& v) { return v.dump(); }

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

ParamValues resolve(RawConfig& raw, const std::vector<ParamSpec>& specs) {
  ParamValues out;
  for (const auto& spec : specs) {
    Json value;
    std::string where = raw.source;
    if (auto o = raw.overrides.find(spec.key); o != raw.overrides.end()) {
      where = "--set " + spec.key;
      auto parsed = parse_text(o->second, spec.kind);
      require(parsed.has_value(), where + ": expected " + kind_name(spec.kind) + ", got '" + o->second + "'");
      value = *parsed;
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
