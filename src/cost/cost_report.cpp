#include "cost/cost_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/statistics.h"
#include "cost/analytic_cost.h"
#include "render/plot.h"
#include "render/table.h"

namespace fl::cost {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kTailRatio = 4;       // slopes over t ≥ max t / 4: the top two octaves
constexpr int64_t kGridPerOctave = 8;   // points of the analytic curves

std::string sig(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

int64_t measured_total(const CostRow& r) {
  int64_t total = 0;
  for (int64_t b : r.measured_layer_bytes) total += b;
  return total;
}

// Per-layer bytes as "n" when every layer holds the same, "lo…hi" otherwise, "-" when unmeasured.
std::string layer_bytes_cell(const std::vector<int64_t>& bytes) {
  const auto [lo, hi] = std::minmax_element(bytes.begin(), bytes.end());
  if (lo == bytes.end()) return "-";
  return *lo == *hi ? with_commas(*lo) : with_commas(*lo) + "…" + with_commas(*hi);
}

// "lo,hi" of per-layer bytes for the CSV; ",", when there are none.
std::string layer_bytes_columns(const std::vector<int64_t>& bytes) {
  const auto [lo, hi] = std::minmax_element(bytes.begin(), bytes.end());
  return lo == bytes.end() ? "," : std::to_string(*lo) + "," + std::to_string(*hi);
}

TextTable per_position_table(const CostReport& report) {
  TextTable t({"model", "t = T", "state/layer B analytic", "measured", "allocated B (all layers)", "FLOPs/token",
               "ms/token", "total FLOPs to T", "est. total s to T"});
  for (const auto& m : report.models)
    for (const auto& r : m.rows)
      t.add({m.label, with_commas(r.position), layer_bytes_cell(r.analytic_layer_bytes),
             layer_bytes_cell(r.measured_layer_bytes),
             with_commas(r.allocated_bytes), with_commas(r.flops_per_token), sig(r.median_ms), sig(r.total_flops),
             sig(r.estimated_total_ms / 1000)});
  return t;
}

TextTable slope_table(const CostReport& report) {
  TextTable t({"model", "fit over t, T", "state bytes", "FLOPs/token", "ms/token", "total FLOPs", "total time"});
  for (const auto& m : report.models) {
    const Slopes& s = m.slopes;
    t.add({m.label, with_commas(s.from) + "…" + with_commas(s.to), slope_cell(s.state_bytes),
           slope_cell(s.flops_per_token), slope_cell(s.ms_per_token), slope_cell(s.total_flops),
           slope_cell(s.total_ms)});
  }
  return t;
}

TextTable validation_table(const CostReport& report) {
  TextTable t({"model", "G", "genuine Σ s", "genuine Σ block medians s", "estimated s", "est/block medians",
               "genuine ms/token at G", "fast-forward ms/token", "ff/genuine", "bytes = analytic"});
  for (const auto& m : report.models) {
    if (!m.validation) continue;
    const Validation& v = *m.validation;
    t.add({m.label, with_commas(v.length), sig(v.genuine_total_ms / 1000), sig(v.genuine_robust_total_ms / 1000),
           sig(v.estimated_total_ms / 1000), fixed(v.estimated_total_ms / v.genuine_robust_total_ms, 2),
           sig(v.genuine_ms_per_token),
           sig(v.fast_forward_ms_per_token), fixed(v.fast_forward_ms_per_token / v.genuine_ms_per_token, 2),
           v.bytes_match ? "yes" : "NO"});
  }
  return t;
}

bool has_validation(const CostReport& report) {
  return std::any_of(report.models.begin(), report.models.end(), [](const ModelCost& m) { return m.validation.has_value(); });
}

std::string setup_line(const CostReport& report) {
  return "Batch 1 through the torch-free step path (StepEngine), " + std::to_string(report.threads) +
         " threads; ms/token = median of " + std::to_string(report.timed_tokens) +
         " timed steps at each position (positions reached by fast-forwarding the cache, docs/COST.md); "
         "state in bytes (float32); measured in " + sig(report.seconds) + " s.";
}

std::string bytes_line(const CostReport& report) {
  return std::string("Measured live state bytes equal the analytic ones at every position and layer: ") +
         (all_bytes_match(report) ? "yes" : "NO") + ".";
}

const std::string kGrowthRule =
    std::string("Slopes of log y on log t (log T for totals) over the positions shown; flat |s| < ") +
    fixed(kFlatBand, 2) +
    ", linear " + fixed(1 - kGrowthBand, 2) + "–" + fixed(1 + kGrowthBand, 2) + ", quadratic " +
    fixed(2 - kGrowthBand, 2) + "–" + fixed(2 + kGrowthBand, 2) + ".";
const char* kValidationNote =
    "A genuine generation of G tokens from an empty cache, every step timed (Σ of all steps, and Σ over blocks of 32 "
    "steps of the block's median × 32, which drops the stalls of a busy machine), against the estimate from the "
    "fast-forwarded measurements (Σ of interpolated per-token medians) and their per-token time at G.";

// Positions for the analytic curves: kGridPerOctave per octave over [lo, hi], plus the window's kinks.
std::vector<double> analytic_grid(int64_t lo, int64_t hi, const ModelConfig& c) {
  std::set<int64_t> ts{lo, hi};
  for (double t = static_cast<double>(lo); t < static_cast<double>(hi); t *= std::exp2(1.0 / kGridPerOctave))
    ts.insert(static_cast<int64_t>(std::llround(t)));
  for (int64_t k : {c.window - 1, c.window})
    if (c.window > 0 && k >= lo && k <= hi) ts.insert(k);
  return {ts.begin(), ts.end()};
}

template <typename F>
Series curve(const std::string& title, const std::vector<double>& xs, F f, SeriesStyle style) {
  Series s{title, xs, {}, style};
  for (double x : xs) s.y.push_back(f(static_cast<int64_t>(x)));
  return s;
}

template <typename F>
Series measured_points(const std::string& title, const ModelCost& m, F f) {
  Series s{title, {}, {}, SeriesStyle::points};
  for (const auto& r : m.rows) s.x.push_back(static_cast<double>(r.position)), s.y.push_back(f(r));
  return s;
}

std::vector<std::pair<std::string, LinePlot>> plots(const CostReport& report) {
  LinePlot state{"Inference state vs position", "position t (tokens)", "state (bytes, all layers, batch 1)", true, true, {}};
  LinePlot flops{"FLOPs per generated token (analytic)", "position t (tokens)", "FLOPs per token", true, true, {}};
  LinePlot ms{"Time per generated token", "position t (tokens)", "ms per token", true, true, {}};
  LinePlot total_flops_plot{"Total FLOPs of generating T tokens (analytic)", "generated length T (tokens)", "FLOPs", true,
                            true, {}};
  LinePlot total_time{"Total time of generating T tokens", "generated length T (tokens)", "seconds", true, true, {}};
  for (const auto& m : report.models) {
    if (m.rows.empty()) continue;
    const ModelConfig& c = m.config;
    const auto grid = analytic_grid(m.rows.front().position, m.rows.back().position, c);
    const auto line = SeriesStyle::line;
    state.series.push_back(measured_points(m.label + " measured", m, [](const CostRow& r) { return double(measured_total(r)); }));
    state.series.push_back(curve(m.label + " analytic", grid, [&](int64_t t) { return double(state_bytes(c, t)); }, line));
    flops.series.push_back(curve(m.label, grid, [&](int64_t t) { return double(flops_per_token(c, t)); }, line));
    ms.series.push_back(measured_points(m.label + " measured", m, [](const CostRow& r) { return r.median_ms; }));
    ms.series.push_back(curve(m.label + " analytic FLOPs × fit", grid,
                              [&](int64_t t) { return m.ms_per_flop * double(flops_per_token(c, t)); }, line));
    total_flops_plot.series.push_back(curve(m.label, grid, [&](int64_t T) { return total_flops(c, T); }, line));
    total_time.series.push_back(
        measured_points(m.label + " estimated", m, [](const CostRow& r) { return r.estimated_total_ms / 1000; }));
    total_time.series.push_back(curve(m.label + " analytic FLOPs × fit", grid,
                                      [&](int64_t T) { return m.ms_per_flop * total_flops(c, T) / 1000; }, line));
    if (m.validation)
      total_time.series.push_back({m.label + " genuine run (Σ block medians)", {double(m.validation->length)},
                                   {m.validation->genuine_robust_total_ms / 1000}, SeriesStyle::points});
  }
  return {{"cost_state_bytes", state}, {"cost_flops_per_token", flops}, {"cost_ms_per_token", ms},
          {"cost_total_flops", total_flops_plot}, {"cost_total_time", total_time}};
}

}  // namespace

bool CostRow::bytes_match() const {
  return !measured_layer_bytes.empty() && measured_layer_bytes == analytic_layer_bytes;
}

double log_log_slope(const std::vector<double>& x, const std::vector<double>& y) {
  const LinearFit fit = fit_log_log(x, y);
  return fit.valid() ? fit.slope : std::numeric_limits<double>::quiet_NaN();
}

void fit_model(ModelCost& m) {
  if (m.rows.empty()) return;
  const int64_t last = m.rows.back().position;
  std::vector<const CostRow*> tail;
  for (const auto& r : m.rows)
    if (r.position * kTailRatio >= last) tail.push_back(&r);
  if (tail.size() < 2 && m.rows.size() >= 2) tail = {&m.rows[m.rows.size() - 2], &m.rows.back()};
  const auto slope = [&](auto value) {
    std::vector<double> x, y;
    for (const CostRow* r : tail) x.push_back(static_cast<double>(r->position)), y.push_back(value(*r));
    return log_log_slope(x, y);
  };
  m.slopes.from = tail.front()->position;
  m.slopes.to = last;
  m.slopes.state_bytes = slope([](const CostRow& r) { return double(measured_total(r)); });
  m.slopes.flops_per_token = slope([](const CostRow& r) { return double(r.flops_per_token); });
  m.slopes.ms_per_token = slope([](const CostRow& r) { return r.median_ms; });
  m.slopes.total_flops = slope([](const CostRow& r) { return r.total_flops; });
  m.slopes.total_ms = slope([](const CostRow& r) { return r.estimated_total_ms; });
  double log_ratio = 0;
  for (const auto& r : m.rows) log_ratio += std::log(r.median_ms / double(r.flops_per_token));
  m.ms_per_flop = std::exp(log_ratio / static_cast<double>(m.rows.size()));
}

std::string growth_label(double s) {
  const auto band = growth_band(s);  // the verdict rules' bands (core/statistics.h)
  return band ? to_string(*band) : "between";
}

std::string slope_cell(double s) { return std::isfinite(s) ? formatted("%.2f ", s) + growth_label(s) : "-"; }

bool all_bytes_match(const CostReport& report) {
  for (const auto& m : report.models) {
    for (const auto& r : m.rows)
      if (!r.bytes_match()) return false;
    if (m.validation && !m.validation->bytes_match) return false;
  }
  return true;
}

std::string render_text(const CostReport& report) {
  std::string out = setup_line(report) + "\n\n" + per_position_table(report).render() + bytes_line(report) + "\n\n" +
                    kGrowthRule + "\n" + slope_table(report).render();
  if (has_validation(report)) out += std::string("\n") + kValidationNote + "\n" + validation_table(report).render();
  return out;
}

std::string render_markdown(const CostReport& report) {
  std::string out = "## Cost of generation\n\n" + setup_line(report) + "\n\n" + per_position_table(report).render_markdown() +
                    "\n" + bytes_line(report) + "\n\n### Growth\n\n" + kGrowthRule + "\n\n" +
                    slope_table(report).render_markdown();
  if (has_validation(report))
    out += std::string("\n### Fast-forward check\n\n") + kValidationNote + "\n\n" + validation_table(report).render_markdown();
  return out;
}

std::string render_csv(const CostReport& report) {
  std::string out =
      "model,position,layers,analytic_layer_state_bytes_min,analytic_layer_state_bytes_max,"
      "measured_layer_state_bytes_min,measured_layer_state_bytes_max,"
      "allocated_state_bytes,flops_per_token,mixer_flops_per_token,state_bytes_read_per_token,median_ms_per_token,"
      "min_ms_per_token,total_flops,estimated_total_ms\n";
  for (const auto& m : report.models) {
    for (const auto& r : m.rows) {
      char numbers[160];
      std::snprintf(numbers, sizeof numbers, "%.6g,%.6g,%.17g,%.6g", r.median_ms, r.min_ms, r.total_flops,
                    r.estimated_total_ms);
      out += "\"" + m.label + "\"," + std::to_string(r.position) + "," + std::to_string(m.config.n_layer) + "," +
             layer_bytes_columns(r.analytic_layer_bytes) + "," + layer_bytes_columns(r.measured_layer_bytes) + "," +
             std::to_string(r.allocated_bytes) + "," +
             std::to_string(r.flops_per_token) + "," + std::to_string(r.mixer_flops_per_token) + "," +
             std::to_string(r.state_bytes_read) + "," + numbers + "\n";
    }
  }
  return out;
}

Json to_json(const CostReport& report) {
  Json models = Json::array();
  for (const auto& m : report.models) {
    Json rows = Json::array();
    for (const auto& r : m.rows)
      rows.push_back({{"position", r.position}, {"analytic_layer_state_bytes", r.analytic_layer_bytes},
                      {"measured_layer_state_bytes", r.measured_layer_bytes}, {"allocated_state_bytes", r.allocated_bytes},
                      {"flops_per_token", r.flops_per_token}, {"mixer_flops_per_token", r.mixer_flops_per_token},
                      {"state_bytes_read_per_token", r.state_bytes_read}, {"median_ms_per_token", r.median_ms},
                      {"min_ms_per_token", r.min_ms}, {"total_flops", r.total_flops},
                      {"estimated_total_ms", r.estimated_total_ms}});
    const Slopes& s = m.slopes;
    Json j = {{"label", m.label}, {"config", m.config.to_json()}, {"parameters", m.parameters}, {"rows", rows},
              {"slopes", {{"from", s.from}, {"to", s.to}, {"state_bytes", s.state_bytes},
                          {"flops_per_token", s.flops_per_token}, {"ms_per_token", s.ms_per_token},
                          {"total_flops", s.total_flops}, {"total_ms", s.total_ms}}},
              {"ms_per_flop", m.ms_per_flop}};
    if (m.validation) {
      const Validation& v = *m.validation;
      j["validation"] = {{"length", v.length}, {"genuine_total_ms", v.genuine_total_ms},
                         {"genuine_robust_total_ms", v.genuine_robust_total_ms},
                         {"estimated_total_ms", v.estimated_total_ms}, {"genuine_ms_per_token", v.genuine_ms_per_token},
                         {"fast_forward_ms_per_token", v.fast_forward_ms_per_token}, {"bytes_match", v.bytes_match}};
    }
    models.push_back(std::move(j));
  }
  return {{"models", models}, {"threads", report.threads}, {"timed_tokens", report.timed_tokens},
          {"seconds", report.seconds}, {"bytes_match", all_bytes_match(report)}};
}

namespace {

CostRow row_from_json(const Json& j) {
  CostRow r;
  r.position = j.at("position").get<int64_t>();
  r.measured_layer_bytes = j.at("measured_layer_state_bytes").get<std::vector<int64_t>>();
  const Json& analytic = j.at("analytic_layer_state_bytes");  // one number per layer; before hybrids, one for all
  r.analytic_layer_bytes = analytic.is_array() ? analytic.get<std::vector<int64_t>>()
                                               : std::vector<int64_t>(std::max<size_t>(r.measured_layer_bytes.size(), 1),
                                                                      analytic.get<int64_t>());
  r.allocated_bytes = j.at("allocated_state_bytes").get<int64_t>();
  r.flops_per_token = j.at("flops_per_token").get<int64_t>();
  r.mixer_flops_per_token = j.at("mixer_flops_per_token").get<int64_t>();
  r.state_bytes_read = j.at("state_bytes_read_per_token").get<int64_t>();
  r.median_ms = j.at("median_ms_per_token").get<double>();
  r.min_ms = j.at("min_ms_per_token").get<double>();
  r.total_flops = j.at("total_flops").get<double>();
  r.estimated_total_ms = j.at("estimated_total_ms").get<double>();
  return r;
}

Validation validation_from_json(const Json& j) {
  Validation v;
  v.length = j.at("length").get<int64_t>();
  v.genuine_total_ms = j.at("genuine_total_ms").get<double>();
  v.genuine_robust_total_ms = j.at("genuine_robust_total_ms").get<double>();
  v.estimated_total_ms = j.at("estimated_total_ms").get<double>();
  v.genuine_ms_per_token = j.at("genuine_ms_per_token").get<double>();
  v.fast_forward_ms_per_token = j.at("fast_forward_ms_per_token").get<double>();
  v.bytes_match = j.at("bytes_match").get<bool>();
  return v;
}

ModelCost model_from_json(const Json& j) {
  ModelCost m;
  m.label = j.at("label").get<std::string>();
  m.parameters = j.at("parameters").get<int64_t>();
  for (const Json& r : j.at("rows")) m.rows.push_back(row_from_json(r));
  m.config = ModelConfig::from_json(j.at("config"));
  if (j.contains("validation")) m.validation = validation_from_json(j.at("validation"));
  fit_model(m);
  return m;
}

}  // namespace

CostReport from_json(const Json& document) {
  try {
    CostReport report;
    for (const Json& m : document.at("models")) report.models.push_back(model_from_json(m));
    report.threads = document.at("threads").get<int64_t>();
    report.timed_tokens = document.at("timed_tokens").get<int64_t>();
    report.seconds = document.at("seconds").get<double>();
    return report;
  } catch (const Json::exception& e) {
    throw Error(std::string("cost.json: ") + e.what());
  }
}

void write_cost_files(CostReport& report, const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(fs::is_directory(dir), "--out " + dir.string() + ": cannot create the directory");
  const std::pair<const char*, std::string> documents[] = {
      {"cost.md", render_markdown(report)}, {"cost.csv", render_csv(report)}, {"cost.json", to_json(report).dump(2) + "\n"}};
  for (const auto& [name, text] : documents) {
    write_file_atomic(dir / name, text);
    report.files.push_back(dir / name);
  }
  for (const auto& [stem, plot] : plots(report)) {
    const PlotFiles f = write_plot(plot, dir / stem);
    report.files.insert(report.files.end(), {f.csv, f.script});
    if (f.rendered) report.files.insert(report.files.end(), {f.png, f.svg});
  }
}

}  // namespace fl::cost
