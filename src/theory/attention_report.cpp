#include "theory/attention_report.h"

#include <cstdio>
#include <limits>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/output_path.h"
#include "core/progress.h"
#include "render/plot.h"
#include "render/table.h"
#include "theory/hidden_attention.h"
#include "train/checkpoint.h"

namespace fl::theory {

namespace fs = std::filesystem;

namespace {

std::string scientific(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2e", value);
  return text;
}

// One (L, L) map as a heatmap: NaN above the diagonal, coloured by log10.
Heatmap heatmap(const torch::Tensor& map, const std::string& title, const std::string& value_label) {
  const int64_t L = map.size(0);
  const auto m = map.to(torch::kFloat64).contiguous();  // (L, L)
  Heatmap h{title, "key position j", "query position i", value_label, L, L, {}, true};
  h.values.assign(m.data_ptr<double>(), m.data_ptr<double>() + L * L);
  for (int64_t i = 0; i < L; ++i)
    for (int64_t j = i + 1; j < L; ++j) h.values[i * L + j] = std::numeric_limits<double>::quiet_NaN();
  return h;
}

// Distances shown in the table: 1, 2, 4, 8, … and the largest.
std::vector<int64_t> shown_distances(int64_t L) {
  std::vector<int64_t> d;
  for (int64_t x = 1; x < L; x *= 2) d.push_back(x);
  if (L > 1 && d.back() != L - 1) d.push_back(L - 1);
  return d;
}

using TransformerMaps = std::vector<std::pair<int64_t, torch::Tensor>>;  // (layer, p (1, H, L, L))

struct Profile {
  std::string title;
  std::vector<double> values;  // at distances 0 … L−1
};

// What the figures and tables call the analysed model: "Mamba", "Mamba-2", "linear attention".
std::string family_title(ModelFamily family) {
  switch (family) {
    case ModelFamily::hybrid: return "hybrid (Mamba layers)";
    case ModelFamily::mamba2: return "Mamba-2";
    case ModelFamily::linear: return "linear attention";
    default: return "Mamba";
  }
}

// Mean α_{i,i−L} per analysed layer, then mean p_{i,i−L} per Transformer layer.
std::vector<Profile> decay_profiles(ModelFamily family, const std::vector<LayerAttention>& layers,
                                    const TransformerMaps& maps) {
  std::vector<Profile> profiles;
  for (const auto& r : layers) profiles.push_back({family_title(family) + " " + std::to_string(r.layer) + " alpha", r.decay});
  for (const auto& [layer, p] : maps)
    profiles.push_back({"Transformer " + std::to_string(layer) + " p", distance_profile(p)});
  return profiles;
}

// Every figure; returns false when gnuplot is missing (CSV and scripts only).
bool write_figures(ModelFamily family, const std::vector<LayerAttention>& layers, const TransformerMaps& maps,
                   const std::vector<int64_t>& channels, const std::vector<Profile>& profiles, const fs::path& out) {
  const std::string title = family_title(family), file = to_string(family), unit = attention_unit_name(family);
  Progress progress("attention figures", static_cast<int64_t>(layers.size() + maps.size() + 1));
  bool rendered = true;
  int64_t done = 0;
  for (size_t r = 0; r < layers.size(); ++r) {
    const auto& scores = layers[r].maps.scores;  // (1, Di or H, L, L)
    const std::string k = std::to_string(layers[r].layer), d = std::to_string(channels[r]);
    rendered &= write_heatmap(heatmap(channel_mean_abs(layers[r].maps)[0],
                                      title + " layer " + k + ": mean over " + unit + "s of |S_ij|", "|S_ij|"),
                              out / (file + "_layer" + k + "_mean")).rendered;
    rendered &= write_heatmap(heatmap(scores[0][channels[r]].abs(), title + " layer " + k + ", " + unit + " " + d + ": |S_ij|",
                                      "|S_ij|"),
                              out / (file + "_layer" + k + "_" + unit + d)).rendered;
    progress.update(++done);
  }
  for (const auto& [layer, p] : maps) {
    const std::string k = std::to_string(layer);
    for (int64_t h = 0; h < p.size(1); ++h)
      rendered &= write_heatmap(heatmap(p[0][h], "Transformer layer " + k + ", head " + std::to_string(h) +
                                        ": softmax p_ij", "p_ij"),
                                out / ("transformer_layer" + k + "_head" + std::to_string(h))).rendered;
    progress.update(++done);
  }
  LinePlot plot{"decay with distance: mean alpha_{i,i-L} (" + title + "), mean p_{i,i-L} (Transformer)",
                "distance L (tokens)", "mean weight", false, true, {}};
  for (const auto& profile : profiles) {
    Series series{profile.title, {}, {}, SeriesStyle::linespoints};
    for (size_t x = 1; x < profile.values.size(); ++x)
      series.x.push_back(static_cast<double>(x)), series.y.push_back(profile.values[x]);
    if (!series.x.empty()) plot.series.push_back(std::move(series));
  }
  if (!plot.series.empty()) rendered &= write_plot(plot, out / "decay_profile").rendered;
  progress.finish();
  return rendered;
}

// The decay profiles at distances 1, 2, 4, … and the largest.
std::string decay_table(const std::vector<Profile>& profiles, int64_t L) {
  std::vector<std::string> header = {"L"};
  for (const auto& profile : profiles) header.push_back(profile.title);
  TextTable table(header);
  for (const int64_t x : shown_distances(L)) {
    std::vector<std::string> row = {std::to_string(x)};
    for (const auto& profile : profiles) row.push_back(scientific(profile.values[x]));
    table.add(row);
  }
  return "decay profile: mean alpha_{i,i-L} over channels and states (Mamba), heads and key channels (Mamba-2, "
         "linear attention), and positions i >= L; mean softmax p_{i,i-L} over heads and positions (Transformer "
         "layers)\n" + table.render();
}

// The Mamba checkpoint and the optional Transformer, checked against the options.
struct Checkpoints {
  LoadedCheckpoint mamba;
  std::optional<LoadedCheckpoint> transformer;
};

Checkpoints load_checked(const AttentionOptions& o) {
  Checkpoints c{load_checkpoint(o.checkpoint), std::nullopt};
  const ModelConfig& m = c.mamba.config.model;
  require(has_hidden_attention(m.family), "--checkpoint: " + o.checkpoint.string() + " holds a " + to_string(m.family) +
                                             " model; pass a Mamba, hybrid, Mamba-2 or linear-attention checkpoint "
                                             "(a Transformer goes to --compare)");
  if (!o.compare.empty()) {
    c.transformer = load_checkpoint(o.compare);
    const ModelFamily compared = c.transformer->config.model.family;
    require(compared == ModelFamily::transformer, "--compare: " + o.compare.string() + " holds a " +
                                                      to_string(compared) + " model; pass a Transformer checkpoint");
    require(c.transformer->task->vocab().names() == c.mamba.task->vocab().names(),
            "--compare: " + o.compare.string() + " has another vocabulary than --checkpoint");
  }
  const int64_t units = attention_units(m);
  require(!o.channel || *o.channel < units, "--channel " + std::to_string(o.channel.value_or(0)) + ": the model has " +
                                                attention_unit_name(m.family) + "s 0 … " + std::to_string(units - 1));
  require(!o.layer || *o.layer < m.n_layer, "--layer " + std::to_string(o.layer.value_or(0)) +
                                                ": the model has layers 0 … " + std::to_string(m.n_layer - 1));
  return c;
}

// The Transformer's softmax maps of the analysed layers.
TransformerMaps transformer_maps(Checkpoints& c, const torch::Tensor& tokens, std::optional<int64_t> layer) {
  TransformerMaps maps;
  if (!c.transformer) return maps;
  const auto all = transformer_attention_maps(c.transformer->model, tokens);  // per layer (1, H, L, L)
  const auto n = static_cast<int64_t>(all.size());
  require(!layer || *layer < n, "--layer " + std::to_string(layer.value_or(0)) + ": the --compare model has only " +
                                    std::to_string(n) + " layers");
  for (int64_t k = 0; k < n; ++k)
    if (!layer || k == *layer) maps.emplace_back(k, all[k]);
  return maps;
}

// The printed report: the input, the per-layer errors and the decay table.
std::string report_text(const AttentionOptions& o, const Checkpoints& c, const std::vector<int32_t>& ids,
                        const std::vector<LayerAttention>& layers, const std::vector<int64_t>& channels,
                        const std::vector<Profile>& profiles) {
  std::string report = "input (" + std::to_string(ids.size()) + " tokens): " + c.mamba.task->vocab().render(ids) +
                       "\n\n";
  const ModelFamily family = c.mamba.config.model.family;
  const std::string formula =
      family == ModelFamily::mamba || family == ModelFamily::hybrid
          ? "out_i = (sum_j S_ij dt_j x_j + D x_i) * SiLU(z_i) rebuilt from the hidden attention S_ij = sum_n "
            "alpha_ij[n] C_i[n] B_j[n] per channel; relative max error against\n  scan: kernels::selective_scan"
          : family == ModelFamily::mamba2
          ? "y_i = sum_j S_ij dt_j x_j + D x_i rebuilt from the hidden attention S_ij = sum_n alpha_ij C_i[n] B_j[n] "
            "per head (one decay alpha per head); relative max error against\n  scan: kernels::linear_scan"
          : "y_i = sum_j S_ij v_j rebuilt from the attention S_ij = sum_c alpha_ij[c] q_i[c] k_j[c] per head "
            "(decay " + c.mamba.config.model.decay + "); relative max error against\n  scan: kernels::linear_scan";
  report += family_title(family) + " " + o.checkpoint.string() + ", float64: " + formula +
            " on the layer's inputs;  mixer: the layer's own mixer output (out_proj)\n";
  TextTable errors({"layer", "scan rel. error", "mixer rel. error", "max |S|", std::string(attention_unit_name(family)) + " shown"});
  for (size_t r = 0; r < layers.size(); ++r)
    errors.add({std::to_string(layers[r].layer), scientific(layers[r].scan_error), scientific(layers[r].mixer_error),
                scientific(layers[r].maps.scores.abs().max().item<double>()), std::to_string(channels[r])});
  return report + errors.render() + "\n" + decay_table(profiles, static_cast<int64_t>(ids.size()));
}

}  // namespace

std::string write_attention_report(const AttentionOptions& o) {
  Checkpoints c = load_checked(o);
  const fs::path out = o.out.empty() ? o.checkpoint / "attention" : o.out;
  require_output_directory(out, "--out");
  const auto ids = o.tokens(*c.mamba.task);
  const auto tokens = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64).unsqueeze(0);  // (1, L)
  const auto layers = analyse_hidden_attention(c.mamba.model, tokens, o.layer);
  const ModelFamily family = c.mamba.config.model.family;
  const TransformerMaps maps = transformer_maps(c, tokens, o.layer);
  std::vector<int64_t> channels;  // the channel shown alone, per analysed layer
  for (const auto& r : layers)
    channels.push_back(o.channel ? *o.channel : r.maps.scores[0].abs().mean({1, 2}).argmax().item<int64_t>());

  std::error_code ec;
  fs::create_directories(out, ec);
  require(!ec, "--out: cannot create " + out.string() + ": " + ec.message());
  const auto profiles = decay_profiles(family, layers, maps);
  const bool rendered = write_figures(family, layers, maps, channels, profiles, out);
  const std::string report = report_text(o, c, ids, layers, channels, profiles) + "figures (CSV, gnuplot script" +
                             (rendered ? ", PNG, SVG" : "; gnuplot missing, no pictures") +
                             ") and this report: " + out.string() + "\n";
  write_file_atomic(out / "attention.txt", report);
  return report;
}

}  // namespace fl::theory
