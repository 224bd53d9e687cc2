#include "experiments/sweep_spec.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "core/error.h"
#include "tasks/task.h"
#include "train/run_config.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

using Settings = std::map<std::string, Json>;  // dotted key → value
using Grid = std::map<std::string, Json>;      // dotted key → non-empty list of values

struct Variant {
  std::string name;
  Settings settings;
  Grid grid;
};

// "grid.model.d_state" → {"grid", "model.d_state"}.
std::pair<std::string, std::string> split_section(const std::string& key) {
  const auto dot = key.find('.');
  if (dot == std::string::npos) return {key, ""};
  return {key.substr(0, dot), key.substr(dot + 1)};
}

void add_grid_key(Grid& grid, const std::string& key, const Json& values, const std::string& where) {
  require(values.is_array(), where + ": grid key '" + key + "' must be a list of values, got " + values.dump());
  require(!values.empty(), where + ": grid key '" + key + "' has no values (an empty grid)");
  grid[key] = values;
}

Variant parse_variant(const Json& doc, const std::string& where) {
  require(doc.is_object(), where + ": must be a table of settings");
  Variant v;
  for (const auto& [key, value] : RawConfig::from_json(doc, where).values) {
    const auto [section, rest] = split_section(key);
    if (key == "name") {
      require(value.is_string() && !value.get<std::string>().empty(), where + ": 'name' must be a non-empty string");
      v.name = value.get<std::string>();
    } else if (section == "grid" && !rest.empty()) {
      add_grid_key(v.grid, rest, value, where);
    } else {
      v.settings[key] = value;
    }
  }
  require(!v.name.empty(), where + ": missing 'name'");
  for (const auto& [key, values] : v.grid)
    require(!v.settings.count(key), where + ": '" + key + "' is both a setting and a grid key");
  return v;
}

std::vector<Variant> parse_variants(const Json& list, const std::string& source) {
  require(list.is_array() && !list.empty(), source + ": 'variants' must be a non-empty list of tables ([[variants]])");
  std::vector<Variant> variants;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    variants.push_back(parse_variant(list[i], source + ": variants[" + std::to_string(i) + "]"));
    require(names.insert(variants.back().name).second,
            source + ": two variants are named '" + variants.back().name + "'");
  }
  return variants;
}

// Every combination of the grid's values; the last key (in sorted order) varies fastest.
std::vector<Settings> grid_points(const Grid& grid, const std::string& source) {
  std::vector<Settings> points(1);
  for (const auto& [key, values] : grid) {
    require(points.size() * values.size() <= SweepSpec::kMaxCells,
            source + ": the grid has more than " + std::to_string(SweepSpec::kMaxCells) + " cells");
    std::vector<Settings> next;
    for (const auto& point : points)
      for (const auto& value : values) {
        next.push_back(point);
        next.back()[key] = value;
      }
    points = std::move(next);
  }
  return points;
}

// Unknown keys are typos in the sweep file: reported before anything runs. The task's own keys
// are known once its name is; an invalid task name is a bad value, left to fail its cells.
class KeyChecker {
 public:
  void check(const Json& config, const std::string& where) {
    const auto task = task_of(config);
    auto it = cache_.find(task);
    if (it == cache_.end()) it = cache_.emplace(task, run_config_specs(task)).first;
    const auto& specs = it->second;
    if (specs.empty()) return;
    RawConfig unknown{where, {}, {}};
    for (const auto& [key, value] : config.items())
      if (std::none_of(specs.begin(), specs.end(), [&](const ParamSpec& s) { return s.key == key; }))
        unknown.values[key] = value;
    reject_unknown_keys(unknown, specs);
  }

 private:
  std::map<std::string, std::vector<ParamSpec>> cache_;
};

}  // namespace

SweepSpec SweepSpec::load(const fs::path& file, int64_t seeds) {
  const RawConfig doc = RawConfig::from_file(file, ListItems::values_or_tables);  // [[variants]]
  const std::string& source = doc.source;
  SweepSpec spec;
  spec.name = file.stem().string();
  Settings base_table;
  Grid grid;
  std::vector<Variant> variants;
  std::string base_file;
  for (const auto& [key, value] : doc.values) {
    const auto [section, rest] = split_section(key);
    if (key == "sweep.name" || key == "sweep.base") {
      require(value.is_string() && !value.get<std::string>().empty(),
              source + ": '" + key + "' must be a non-empty string");
      (key == "sweep.name" ? spec.name : base_file) = value.get<std::string>();
    } else if (section == "sweep") {
      throw Error(source + ": unknown key '" + key + "' (the [sweep] table has name and base)");
    } else if (section == "base" && !rest.empty()) {
      base_table[rest] = value;
    } else if (section == "grid" && !rest.empty()) {
      add_grid_key(grid, rest, value, source);
    } else if (key == "variants") {
      variants = parse_variants(value, source);
    } else {
      throw Error(source + ": unknown sweep key '" + key +
                  "' (run settings go in [base], lists of values in [grid]; see docs/SWEEPS.md)");
    }
  }

  Settings base;
  if (!base_file.empty()) base = RawConfig::from_file(file.parent_path() / base_file).values;
  for (const auto& [key, value] : base_table) base[key] = value;
  if (variants.empty()) variants.push_back({});
  if (seeds > 0) {
    bool sets_seed = base.count("seed") || grid.count("seed");
    for (const auto& v : variants) sets_seed = sets_seed || v.settings.count("seed") || v.grid.count("seed");
    require(!sets_seed, source + ": sets 'seed' itself; the sweep's seed count (--seeds, a suite's runs.seeds) "
                                 "would override it: remove one");
    Json values = Json::array();
    for (int64_t s = 1; s <= seeds; ++s) values.push_back(s);
    grid["seed"] = values;
  }
  for (const auto& v : variants)
    for (const auto* part : {&v.settings, &v.grid})
      for (const auto& [key, _] : *part)
        require(!grid.count(key), source + ": '" + key + "' is set by both [grid] and variant '" + v.name + "'");

  KeyChecker keys;
  std::unordered_map<std::string, size_t> seen;
  const auto shared_points = grid_points(grid, source);
  for (const auto& v : variants) {
    const std::string where = v.name.empty() ? source : source + " (variant '" + v.name + "')";
    for (const auto& own_point : grid_points(v.grid, where))
      for (const auto& shared_point : shared_points) {
        require(spec.cells.size() < kMaxCells, source + ": more than " + std::to_string(kMaxCells) + " cells");
        Json config = Json::object();
        for (const auto* layer : std::initializer_list<const Settings*>{&base, &v.settings, &own_point, &shared_point})
          for (const auto& [key, value] : *layer) config[key] = value;
        keys.check(config, where);
        SweepCell cell{config_hash(config), v.name, std::move(config), static_cast<int64_t>(spec.cells.size())};
        const auto [it, added] = seen.emplace(cell.hash, spec.cells.size());
        require(added, source + ": cells " + std::to_string(it->second + 1) + " and " +
                           std::to_string(spec.cells.size() + 1) +
                           " have the same configuration (a value listed twice?)");
        spec.cells.push_back(std::move(cell));
      }
  }
  return spec;
}

std::unordered_set<std::string> SweepSpec::hashes() const {
  std::unordered_set<std::string> out;
  for (const auto& cell : cells) out.insert(cell.hash);
  return out;
}

std::vector<std::string> SweepSpec::varied_keys() const {
  std::vector<Json> configs;
  for (const auto& cell : cells) configs.push_back(cell.config);
  return fl::varied_keys(configs);
}

std::string config_hash(const Json& flat_config) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  for (unsigned char c : flat_config.dump()) h = (h ^ c) * 0x100000001b3ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::vector<ParamSpec> run_config_specs(const std::string& task) {
  try {
    auto specs = RunConfig::general_specs();
    const auto task_specs = task_param_specs(task);
    specs.insert(specs.end(), task_specs.begin(), task_specs.end());
    return specs;
  } catch (const Error&) {
    return {};
  }
}

std::string task_of(const Json& flat_config) {
  if (flat_config.contains("task.name")) {
    const auto& name = flat_config["task.name"];
    return name.is_string() ? name.get<std::string>() : "";
  }
  for (const auto& s : RunConfig::general_specs())
    if (s.key == "task.name") return s.default_value.get<std::string>();
  return "";
}

RawConfig cell_raw_config(const Json& flat_config, const std::string& hash) {
  return RawConfig::from_json(flat_config, "cell " + hash);
}

std::vector<std::string> varied_keys(const std::vector<Json>& flat_configs) {
  std::set<std::string> all;
  for (const auto& c : flat_configs)
    for (const auto& [key, _] : c.items()) all.insert(key);
  std::vector<std::string> varied;
  if (flat_configs.empty()) return varied;
  for (const auto& key : all) {
    auto value_of = [&](const Json& c) { return c.contains(key) ? c[key] : Json(); };
    const Json first = value_of(flat_configs.front());
    for (const auto& c : flat_configs)
      if (value_of(c) != first) {
        varied.push_back(key);
        break;
      }
  }
  return varied;
}

std::string describe_cell(const Json& flat_config, const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& key : keys) {
    std::string value = "-";
    if (flat_config.contains(key)) {
      const auto& v = flat_config[key];
      value = v.is_string() ? v.get<std::string>() : v.dump();
    }
    out += (out.empty() ? "" : " ") + key + "=" + value;
  }
  return out;
}

}  // namespace fl
