#include "cost/run_cost.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/memory_budget.h"
#include "core/progress.h"
#include "core/timing.h"
#include "cost/analytic_cost.h"
#include "cost/measured_cost.h"
#include "train/checkpoint.h"

namespace fl::cost {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kVocabulary = 32;  // default models: about the copy task's 30 tokens
constexpr int64_t kValidateCap = 16384, kQuickValidateCap = 256;
constexpr int64_t kMaxPosition = int64_t{1} << 24;  // 16,777,216, the longest model.max_len
constexpr int64_t kMaxTimedTokens = 100000;         // steps timed at one position

ModelConfig matched(ModelFamily family, int64_t d_model, int64_t n_layer, int64_t window) {
  ModelConfig c;
  c.family = family;
  c.vocab_size = kVocabulary;
  c.d_model = d_model;
  c.n_layer = n_layer;
  c.d_state = d_model >= 128 ? 16 : 8;
  c.dt_rank = (d_model + 15) / 16;
  c.n_head = d_model >= 128 ? 4 : 2;
  c.window = window;
  return c;
}

// Defaults filled in, every option checked (fl::Error naming the flag).
CostOptions resolve_options(const CostOptions& in) {
  CostOptions o = in;
  if (o.models.empty()) o.models = default_models(o.quick);
  if (o.positions.empty()) o.positions = default_positions(o.quick);
  if (o.tokens == 0) o.tokens = o.quick ? 8 : 32;
  if (o.warmup < 0) o.warmup = o.quick ? 1 : 2;
  for (size_t i = 0; i < o.positions.size(); ++i)
    require(o.positions[i] >= 1 && (i == 0 || o.positions[i] > o.positions[i - 1]),
            "--positions must be increasing positive integers");
  require(o.positions.back() <= kMaxPosition, "--positions: " + std::to_string(o.positions.back()) +
                                                  " is beyond the largest position measured, " +
                                                  std::to_string(kMaxPosition));
  require(o.tokens >= 1 && o.tokens <= kMaxTimedTokens, "--tokens must be in 1 … " + std::to_string(kMaxTimedTokens) +
                                                            ", got " + std::to_string(o.tokens));
  if (o.validate < 0) {
    const int64_t cap = o.quick ? kQuickValidateCap : kValidateCap;
    o.validate = 0;
    for (int64_t t : o.positions)
      if (t <= cap) o.validate = t;
  }
  require(o.validate <= o.positions.back(), "--validate " + std::to_string(o.validate) +
                                                " is beyond the largest position " +
                                                std::to_string(o.positions.back()));
  const int64_t last = o.positions.back() + o.warmup + o.tokens;
  for (const auto& m : o.models) {
    require(!m.config.learned_positions() || m.config.max_len >= last,
            m.label + ": learned positions end at model.max_len = " + std::to_string(m.config.max_len) +
                ", before the last position measured");
    // A growing cache doubles its capacity: up to twice the live bytes are allocated.
    require_within_memory(2.0 * static_cast<double>(state_bytes(m.config, last)),
                          m.label + ": the inference state at position " + std::to_string(last),
                          "lower the largest --positions");
  }
  return o;
}

// Progress in analytic kFLOPs, so the bar moves with the work (a step at 65,536 is ~100× one at 64).
int64_t work_units(const ModelConfig& c, int64_t position, int64_t steps) {
  return steps * std::max<int64_t>(flops_per_token(c, position) / 1000, 1);
}

int64_t planned_units(const CostOptions& o, const TimingOptions& timing) {
  int64_t units = 0;
  for (const auto& m : o.models) {
    for (int64_t t : o.positions)  // the genuinely stepped prefix once, before the first position
      units += work_units(m.config, t, (t == o.positions.front() ? std::min(t, timing.prefix) : 0) + o.warmup + o.tokens);
    if (o.validate > 0)
      units += static_cast<int64_t>(total_flops(m.config, o.validate) / 1000) +
               work_units(m.config, o.validate, o.warmup + o.tokens);
  }
  return units;
}

bool live_bytes_match(const std::vector<LayerBytes>& layers, const ModelConfig& c, int64_t t) {
  if (static_cast<int64_t>(layers.size()) != c.n_layer) return false;
  for (int64_t i = 0; i < c.n_layer; ++i)
    if (layers[i].live != layer_state_bytes(c, i, t)) return false;
  return true;
}

ModelCost measure_model(const CostModelSpec& spec, const CostOptions& o, const TimingOptions& timing,
                        Progress& progress, int64_t& done) {
  torch::manual_seed(o.seed);
  LanguageModel model = spec.checkpoint.empty() ? LanguageModel(spec.config) : load_checkpoint(spec.checkpoint).model;
  const ModelConfig& c = model->config();
  const StepEngine engine(model);
  const StepCallback on_steps = [&](int64_t position, int64_t steps) {
    done += work_units(c, position, steps);
    progress.update(done, spec.label + "  t = " + std::to_string(position));
  };
  const auto measured = measure_positions(engine, o.positions, timing, on_steps);

  ModelCost cost;
  cost.label = spec.label;
  cost.config = c;
  cost.parameters = model->num_parameters();
  for (const auto& m : measured) {
    CostRow row;
    row.position = m.position;
    for (int64_t i = 0; i < c.n_layer; ++i) row.analytic_layer_bytes.push_back(layer_state_bytes(c, i, m.position));
    for (const auto& l : m.layers) row.measured_layer_bytes.push_back(l.live), row.allocated_bytes += l.allocated;
    row.flops_per_token = flops_per_token(c, m.position);
    row.mixer_flops_per_token = flops_per_token(c, m.position, OpKind::mixer);
    row.state_bytes_read = state_bytes_read(c, m.position);
    row.median_ms = m.times.median_ms;
    row.min_ms = m.times.min_ms;
    row.total_flops = total_flops(c, m.position);
    row.estimated_total_ms = estimate_total_ms(measured, m.position);
    cost.rows.push_back(std::move(row));
  }
  if (o.validate > 0) {
    const GenuineRun run = measure_genuine(engine, o.validate, timing, on_steps);
    cost.validation = Validation{run.length,
                                 run.total_ms,
                                 run.robust_total_ms,
                                 estimate_total_ms(measured, run.length),
                                 run.at_length.median_ms,
                                 interpolate_ms(measured, static_cast<double>(run.length)),
                                 live_bytes_match(run.layers, c, run.length)};
  }
  fit_model(cost);
  return cost;
}

}  // namespace

std::vector<CostModelSpec> default_models(bool quick) {
  const int64_t D = quick ? 32 : 128, window = quick ? 64 : 1024;
  std::vector<CostModelSpec> specs;
  // The hybrid: the Mamba's blocks with one attention block inserted in the middle.
  ModelConfig hybrid = matched(ModelFamily::hybrid, D, quick ? 3 : 5, 0);
  hybrid.attn_layers = {hybrid.n_layer / 2};
  for (const ModelConfig& c : {matched(ModelFamily::mamba, D, quick ? 2 : 4, 0), matched(ModelFamily::transformer, D, 2, 0),
                               matched(ModelFamily::transformer, D, 2, window), hybrid,
                               matched(ModelFamily::lstm, D, 2, 0), matched(ModelFamily::mamba2, D, quick ? 2 : 4, 0),
                               matched(ModelFamily::linear, D, 2, 0)})
    specs.push_back({c.label(), c, {}});
  return specs;
}

std::vector<int64_t> default_positions(bool quick) {
  if (quick) return {16, 64, 256, 1024};
  std::vector<int64_t> positions;  // two per octave: the per-token time has cache cliffs to resolve
  for (int k = 0; k <= 20; ++k) positions.push_back(std::llround(64 * std::exp2(k / 2.0)));
  return positions;
}

CostModelSpec model_spec_from_path(const std::string& path, const std::vector<std::string>& overrides) {
  const fs::path p(path);
  require(fs::exists(p), "--model " + path + ": no such file or directory");
  CostModelSpec spec;
  if (fs::is_directory(p)) {
    require(overrides.empty(), "--set applies to config files, not to the checkpoint " + path);
    spec.config = load_checkpoint_config(p).model;
    spec.checkpoint = p;
  } else {
    spec.config = RunConfig::load(p, overrides).model;
  }
  const std::string name = fs::is_directory(p) ? p.lexically_normal().filename().string() : p.stem().string();
  spec.label = (name.empty() ? path : name) + ": " + spec.config.label();
  return spec;
}

CostReport run_cost(const CostOptions& options) {
  const CostOptions o = resolve_options(options);
  TimingOptions timing;
  timing.tokens = o.tokens;
  timing.warmup = o.warmup;
  timing.seed = o.seed;
  const auto start = std::chrono::steady_clock::now();
  Progress progress("cost", planned_units(o, timing), o.progress);
  int64_t done = 0;
  CostReport report;
  for (const auto& spec : o.models) report.models.push_back(measure_model(spec, o, timing, progress, done));
  progress.finish();
  report.threads = at::get_num_threads();
  report.timed_tokens = o.tokens;
  report.seconds = seconds_since(start);
  if (!o.out_dir.empty()) write_cost_files(report, o.out_dir);
  return report;
}

}  // namespace fl::cost
