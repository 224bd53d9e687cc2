#include "experiments/results_query.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "core/error.h"
#include "render/table.h"

namespace fl {

namespace {

enum class Style { kPlain, kFixed, kCommas, kBytes, kClipped };

struct Column {
  std::string name;
  Style style = Style::kPlain;
  int decimals = 0;  // for kFixed
  std::function<Json(const CellRow&)> get;
};

template <class T>
Json optional_json(const std::optional<T>& v) {
  return v ? Json(*v) : Json();
}

Json iso_time(const std::optional<double>& seconds) {
  if (!seconds) return Json();
  const auto t = static_cast<std::time_t>(*seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const std::vector<Column>& builtin_columns() {
  static const std::vector<Column> columns = {
      {"hash", Style::kPlain, 0, [](const CellRow& r) { return Json(r.hash); }},
      {"variant", Style::kPlain, 0, [](const CellRow& r) { return Json(r.variant); }},
      {"status", Style::kPlain, 0, [](const CellRow& r) { return Json(status_name(r.status)); }},
      {"attempts", Style::kPlain, 0, [](const CellRow& r) { return Json(r.attempts); }},
      {"loss", Style::kFixed, 4, [](const CellRow& r) { return optional_json(r.final_loss); }},
      {"acc", Style::kFixed, 3, [](const CellRow& r) { return optional_json(r.accuracy); }},
      {"gen", Style::kFixed, 3, [](const CellRow& r) { return optional_json(r.accuracy_gen); }},
      {"params", Style::kCommas, 0, [](const CellRow& r) { return optional_json(r.parameters); }},
      {"state_bytes", Style::kBytes, 0, [](const CellRow& r) { return optional_json(r.state_bytes); }},
      {"tok_s", Style::kFixed, 0, [](const CellRow& r) { return optional_json(r.tokens_per_s); }},
      {"train_s", Style::kFixed, 1, [](const CellRow& r) { return optional_json(r.train_seconds); }},
      {"wall_s", Style::kFixed, 1, [](const CellRow& r) { return optional_json(r.wall_seconds); }},
      {"threads", Style::kPlain, 0, [](const CellRow& r) { return optional_json(r.threads); }},
      {"worker", Style::kPlain, 0,
       [](const CellRow& r) { return r.pid ? Json(r.host + ":" + std::to_string(*r.pid)) : Json(); }},
      {"started", Style::kPlain, 0, [](const CellRow& r) { return iso_time(r.started_at); }},
      {"finished", Style::kPlain, 0, [](const CellRow& r) { return iso_time(r.finished_at); }},
      {"error", Style::kClipped, 0, [](const CellRow& r) { return r.error.empty() ? Json() : Json(r.error); }},
  };
  return columns;
}

// "acc@20" → whole-answer accuracy at size 20 from the stored eval report.
std::optional<Column> size_column(const std::string& name) {
  const auto at = name.find('@');
  if (at == std::string::npos) return std::nullopt;
  const std::string kind = name.substr(0, at), size_text = name.substr(at + 1);
  if ((kind != "acc" && kind != "gen") || size_text.empty() ||
      size_text.find_first_not_of("0123456789") != std::string::npos || size_text.size() > 12)
    return std::nullopt;
  const int64_t size = std::stoll(size_text);
  const std::string mode = kind == "acc" ? "tf" : "gen";
  return Column{name, Style::kFixed, 3, [size, mode](const CellRow& r) {
                  if (!r.metrics.is_object() || !r.metrics.contains("eval")) return Json();
                  for (const auto& row : r.metrics["eval"].value("by_size", Json::array()))
                    if (row.value("size", int64_t{-1}) == size && row.contains(mode))
                      return row[mode].value("whole", Json());
                  return Json();
                }};
}

Json metrics_value(const Json& metrics, const std::string& path) {
  const Json* node = &metrics;
  size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object() || !node->contains(part)) return Json();
    node = &(*node)[part];
    if (dot == std::string::npos) return *node;
    start = dot + 1;
  }
}

// A config key's value in a cell, or the key's default for the cell's task when unset.
Column config_column(const std::string& key) {
  auto defaults = std::make_shared<std::map<std::string, Json>>();  // task → default (null if not a key)
  return Column{key, Style::kPlain, 0, [key, defaults](const CellRow& r) {
                  if (r.config.contains(key)) return r.config[key];
                  const auto task = task_of(r.config);
                  auto it = defaults->find(task);
                  if (it == defaults->end()) {
                    Json value;
                    for (const auto& spec : run_config_specs(task))
                      if (spec.key == key) value = spec.default_value;
                    it = defaults->emplace(task, value).first;
                  }
                  return it->second;
                }};
}

bool is_config_key(const std::string& key, const std::vector<CellRow>& cells) {
  std::set<std::string> tasks = {task_of(Json::object())};
  for (const auto& r : cells) {
    if (r.config.contains(key)) return true;
    tasks.insert(task_of(r.config));
  }
  for (const auto& task : tasks)
    for (const auto& spec : run_config_specs(task))
      if (spec.key == key) return true;
  return false;
}

// How a column is shown: built-in and size columns have their own rounding.
Column display_style(const std::string& name) {
  for (const auto& c : builtin_columns())
    if (c.name == name) return c;
  if (auto c = size_column(name)) return *c;
  return Column{name, Style::kPlain, 0, nullptr};
}

Column resolve_column(const std::string& name, const std::vector<CellRow>& cells, const std::string& flag) {
  if (auto c = display_style(name); c.get) return c;
  if (name.rfind("metrics.", 0) == 0 && name.size() > 8) {
    const std::string path = name.substr(8);
    return Column{name, Style::kPlain, 0, [path](const CellRow& r) { return metrics_value(r.metrics, path); }};
  }
  if (is_config_key(name, cells)) return config_column(name);
  std::string known;
  for (const auto& c : builtin_columns()) known += (known.empty() ? "" : ", ") + c.name;
  throw Error(flag + ": unknown column '" + name + "' (built-in: " + known +
              "; or a config key, acc@N, gen@N, metrics.PATH)");
}

std::string csv_text(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string display_text(const Json& v, const Column& column) {
  if (v.is_null()) return "-";
  if (!v.is_number()) {
    const std::string s = csv_text(v);
    return column.style == Style::kClipped && s.size() > 60 ? s.substr(0, 57) + "..." : s;
  }
  switch (column.style) {
    case Style::kFixed: return fixed(v.get<double>(), column.decimals);
    case Style::kCommas: return with_commas(v.get<int64_t>());
    case Style::kBytes: return human_bytes(v.get<int64_t>());
    default: break;
  }
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return buf;
  }
  return v.dump();
}

struct Filter {
  Column column;
  std::string value;
  bool equal;
  bool matches(const CellRow& r) const {
    const std::string actual = csv_text(column.get(r));
    char* end_a = nullptr;
    char* end_b = nullptr;
    const double a = std::strtod(actual.c_str(), &end_a), b = std::strtod(value.c_str(), &end_b);
    const bool numbers = !actual.empty() && !value.empty() && *end_a == '\0' && *end_b == '\0';
    const bool same = numbers ? std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b)) : actual == value;
    return same == equal;
  }
};

Filter parse_filter(const std::string& text, const std::vector<CellRow>& cells) {
  const auto ne = text.find("!=");
  const auto eq = ne != std::string::npos ? ne : text.find('=');
  require(eq != std::string::npos && eq > 0, "--where expects key=value or key!=value, got '" + text + "'");
  const size_t value_start = eq + (ne != std::string::npos ? 2 : 1);
  return {resolve_column(text.substr(0, eq), cells, "--where"), text.substr(value_start), ne == std::string::npos};
}

// The config keys that vary within a variant (a key fixed per variant, like model.type, adds
// nothing to the variant column).
std::set<std::string> keys_varied_within_variants(const std::vector<CellRow>& cells) {
  std::map<std::string, std::vector<Json>> by_variant;
  for (const auto& r : cells) by_variant[r.variant].push_back(r.config);
  std::set<std::string> keys;
  for (const auto& [variant, configs] : by_variant)
    for (const auto& key : varied_keys(configs)) keys.insert(key);
  return keys;
}

std::vector<std::string> default_columns(const std::vector<CellRow>& cells) {
  std::vector<std::string> columns;
  bool variants = false, generated = false, failures = false;
  for (const auto& r : cells) {
    variants |= !r.variant.empty();
    generated |= r.accuracy_gen.has_value();
    failures |= r.status == CellStatus::kFailed;
  }
  if (variants) columns.push_back("variant");
  for (const auto& key : keys_varied_within_variants(cells)) columns.push_back(key);
  for (const char* c : {"status", "loss", "acc"}) columns.push_back(c);
  if (generated) columns.push_back("gen");
  for (const char* c : {"params", "state_bytes", "tok_s", "train_s"}) columns.push_back(c);
  if (failures) columns.push_back("error");
  return columns;
}

}  // namespace

ResultsTable select_results(const std::vector<CellRow>& cells, const std::vector<std::string>& where,
                            const std::vector<std::string>& columns) {
  std::vector<Filter> filters;
  for (const auto& w : where) filters.push_back(parse_filter(w, cells));
  std::vector<CellRow> selected;
  for (const auto& r : cells)
    if (std::all_of(filters.begin(), filters.end(), [&](const Filter& f) { return f.matches(r); }))
      selected.push_back(r);

  ResultsTable table;
  table.columns = columns.empty() ? default_columns(selected) : columns;
  std::vector<Column> getters;
  for (const auto& name : table.columns) getters.push_back(resolve_column(name, cells, "--columns"));
  for (const auto& r : selected) {
    std::vector<Json> row;
    for (const auto& g : getters) row.push_back(g.get(r));
    table.rows.push_back(std::move(row));
  }
  return table;
}

Json cell_value(const CellRow& cell, const std::string& column, const std::vector<CellRow>& cells) {
  return resolve_column(column, cells, "column").get(cell);
}

std::string render_results(const ResultsTable& table) {
  std::vector<Column> styles;
  for (const auto& name : table.columns) styles.push_back(display_style(name));
  TextTable text(table.columns);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (size_t i = 0; i < row.size(); ++i) cells.push_back(display_text(row[i], styles[i]));
    text.add(std::move(cells));
  }
  return text.render();
}

std::string results_csv(const ResultsTable& table) {
  auto field = [](const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string quoted = "\"";
    for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  };
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + field(cells[i]);
    return out + "\n";
  };
  std::string out = line(table.columns);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const auto& v : row) cells.push_back(csv_text(v));
    out += line(cells);
  }
  return out;
}

std::string status_line(const std::vector<CellRow>& cells) {
  std::map<CellStatus, int64_t> n;
  for (const auto& r : cells) ++n[r.status];
  return std::to_string(cells.size()) + " cells: " + std::to_string(n[CellStatus::kDone]) + " done, " +
         std::to_string(n[CellStatus::kFailed]) + " failed, " + std::to_string(n[CellStatus::kRunning]) +
         " running, " + std::to_string(n[CellStatus::kQueued]) + " queued";
}

}  // namespace fl
