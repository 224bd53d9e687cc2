// The figures of `freelunch cost` (docs/COST.md) and their presentation: a text table, Markdown,
// CSV, JSON, and plots against the position t and the generated length T on log axes, measured
// points with the analytic curves overlaid. Torch-free.
//
// Per model and position t (which is also a length T):
//   state bytes per layer after t tokens: analytic (cost/analytic_cost.h) and measured from the
//   step engine's live caches (must be equal); FLOPs of the step at t (analytic); measured
//   milliseconds per token (median of the timed steps); the total of generating T = t tokens:
//   Σ_{t'<T} FLOPs (analytic) and Σ_{t'<T} of the per-token times interpolated linearly between
//   the measured positions (estimated).
// Slopes: least-squares slopes of log y against log t over the top two octaves of the positions
// (t ≥ max t / 4; the last two if fewer), so "flat" (≈ 0), "linear" (≈ 1) and "quadratic" (≈ 2)
// are judged by a number where the asymptotic growth shows (past the caches' cliffs and the
// fixed per-token work); growth_label states the rule.
// Overlays of time: the analytic FLOPs times one fitted constant per model (ms per FLOP, the
// geometric mean of measured ms / analytic FLOPs over the positions): the analytic shape, not a
// prediction of speed.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "models/model_config.h"

namespace fl::cost {

struct CostRow {
  int64_t position = 0;                      // t, and the length T of the totals
  std::vector<int64_t> analytic_layer_bytes;  // state of each layer after t tokens
  std::vector<int64_t> measured_layer_bytes;  // live state of each layer, from the caches
  int64_t allocated_bytes = 0;               // the caches' buffers, all layers
  int64_t flops_per_token = 0, mixer_flops_per_token = 0;  // the step at t (analytic)
  int64_t state_bytes_read = 0;              // by the step at t, all layers (analytic)
  double median_ms = 0, min_ms = 0;          // measured per token at t
  double total_flops = 0;                    // Σ_{t'<T} (analytic)
  double estimated_total_ms = 0;             // Σ_{t'<T} of interpolated measured per-token times
  bool bytes_match() const;                  // every layer's measured == analytic
};

struct Slopes {
  int64_t from = 0, to = 0;  // the positions fitted
  double state_bytes = 0, flops_per_token = 0, ms_per_token = 0, total_flops = 0, total_ms = 0;
};

// A real generation of `length` tokens against the fast-forwarded measurements.
struct Validation {
  int64_t length = 0;
  double genuine_total_ms = 0, genuine_robust_total_ms = 0, estimated_total_ms = 0;  // GenuineRun's
  double genuine_ms_per_token = 0, fast_forward_ms_per_token = 0;  // at `length` (interpolated for the latter)
  bool bytes_match = false;  // the genuinely stepped caches' live bytes == analytic
};

struct ModelCost {
  std::string label;
  ModelConfig config;
  int64_t parameters = 0;
  std::vector<CostRow> rows;  // ascending positions
  Slopes slopes;
  std::optional<Validation> validation;
  double ms_per_flop = 0;  // the overlays' fitted constant
};

struct CostReport {
  std::vector<ModelCost> models;
  int64_t threads = 0, timed_tokens = 0;
  double seconds = 0;                      // wall time of the measurement
  std::vector<std::filesystem::path> files;  // written by write_cost_files
};

// Least-squares slope of log y on log x (points with x, y > 0); NaN with fewer than two.
double log_log_slope(const std::vector<double>& x, const std::vector<double>& y);
// Fills slopes and ms_per_flop from the rows.
void fit_model(ModelCost& model);
// "flat" |s| < 0.25, "linear" 0.75 ≤ s < 1.25, "quadratic" 1.75 ≤ s < 2.25, otherwise "≈ s".
std::string growth_label(double slope);
// A table cell of a slope with its label, e.g. "1.02 linear"; "-" when not finite.
std::string slope_cell(double slope);
bool all_bytes_match(const CostReport& report);

std::string render_text(const CostReport& report);      // the tables, for the terminal
std::string render_markdown(const CostReport& report);  // the same as cost.md
std::string render_csv(const CostReport& report);       // one line per model and position
Json to_json(const CostReport& report);
// The inverse of to_json (cost.json): models with their label, config, parameters, rows and
// validation, and the run's threads, timed tokens and seconds. The slopes and ms_per_flop are
// derived again from the rows (fit_model, as when they were written); files stay empty. Config
// keys the document lacks keep ModelConfig's defaults, except "type" (and "window" for a
// Transformer), which must be there. fl::Error "cost.json: …" naming a missing or mistyped key.
CostReport from_json(const Json& document);

// Writes cost.md, cost.csv, cost.json and the plots (cost_*.{csv,gp,png,svg}) into `dir`
// (created if missing); records the paths in report.files.
void write_cost_files(CostReport& report, const std::filesystem::path& dir);

}  // namespace fl::cost
