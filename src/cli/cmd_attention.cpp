// freelunch attention --checkpoint DIR [--compare DIR] (--input "TEXT" | --sample [--seed S] [--size N])
//                     [--out DIR] [--layer K] [--channel D]
// Mamba's hidden attention (theory/hidden_attention.h) on one token sequence: per layer, in
// float64, the relative error of the scan output rebuilt from the scores S_ij, and the decay
// profile mean α_{i,i−L}; heatmaps of mean_d |S_ij[d]| and of one channel's |S_ij[d]| beside the
// softmax attention of a Transformer checkpoint (--compare) on the same tokens, per head.
// Files in --out (default <checkpoint>/attention), each figure as CSV + gnuplot script + PNG + SVG:
//   mamba_layer{k}_mean, mamba_layer{k}_channel{d}, transformer_layer{k}_head{h}, decay_profile,
//   and attention.txt (the printed report).
#include <cstdio>
#include <limits>
#include <optional>

#include "cli/commands.h"
#include "cli/flags.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/output_path.h"
#include "core/progress.h"
#include "core/rng.h"
#include "report/plot.h"
#include "report/table.h"
#include "theory/hidden_attention.h"
#include "train/checkpoint.h"

namespace fl::cli {

namespace fs = std::filesystem;

namespace {

struct AttentionArgs {
  std::string checkpoint, compare, input, out;
  bool sample = false;
  int64_t seed = 1, size = 0, layer = -1, channel = -1;
};

std::string scientific(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2e", value);
  return text;
}

// The tokens to analyse: --input parsed with the checkpoint's vocabulary, or one example of its
// task (the whole sequence, answer included) drawn as `freelunch sample --seed` draws it.
std::vector<int32_t> input_tokens(const AttentionArgs& a, const Task& task, bool has_size) {
  require(a.sample != !a.input.empty(), "give either --input \"TOKENS\" or --sample");
  require(a.sample || !has_size, "--size needs --sample");
  if (a.sample) {
    Rng rng(static_cast<uint64_t>(a.seed), kStreamTrainData);
    return has_size ? task.sample_at(rng, a.size).tokens : task.sample(rng).tokens;
  }
  try {
    auto ids = task.vocab().parse(a.input);
    require(!ids.empty(), "empty input");
    return ids;
  } catch (const Error& e) {
    throw Error(std::string("--input: ") + e.what());
  }
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

// Mean α_{i,i−L} per Mamba layer, then mean p_{i,i−L} per Transformer layer.
std::vector<Profile> decay_profiles(const std::vector<theory::MambaLayerAttention>& layers, const TransformerMaps& maps) {
  std::vector<Profile> profiles;
  for (const auto& r : layers) profiles.push_back({"Mamba " + std::to_string(r.layer) + " alpha", r.decay});
  for (const auto& [layer, p] : maps)
    profiles.push_back({"Transformer " + std::to_string(layer) + " p", theory::distance_profile(p)});
  return profiles;
}

// Every figure; returns false when gnuplot is missing (CSV and scripts only).
bool write_figures(const std::vector<theory::MambaLayerAttention>& layers, const TransformerMaps& maps,
                   const std::vector<int64_t>& channels, const std::vector<Profile>& profiles, const fs::path& out) {
  Progress progress("attention figures", static_cast<int64_t>(layers.size() + maps.size() + 1));
  bool rendered = true;
  int64_t done = 0;
  for (size_t r = 0; r < layers.size(); ++r) {
    const auto& scores = layers[r].maps.scores;  // (1, Di, L, L)
    const std::string k = std::to_string(layers[r].layer), d = std::to_string(channels[r]);
    rendered &= write_heatmap(heatmap(theory::channel_mean_abs(layers[r].maps)[0],
                                      "Mamba layer " + k + ": mean over channels of |S_ij|", "|S_ij|"),
                              out / ("mamba_layer" + k + "_mean")).rendered;
    rendered &= write_heatmap(heatmap(scores[0][channels[r]].abs(), "Mamba layer " + k + ", channel " + d + ": |S_ij|",
                                      "|S_ij|"),
                              out / ("mamba_layer" + k + "_channel" + d)).rendered;
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
  LinePlot plot{"decay with distance: mean alpha_{i,i-L} (Mamba), mean p_{i,i-L} (Transformer)",
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
  return "decay profile: mean alpha_{i,i-L} over channels, states and positions i >= L (Mamba layers); mean softmax "
         "p_{i,i-L} over heads and positions (Transformer layers)\n" + table.render();
}

}  // namespace

void add_attention_command(CLI::App& root) {
  auto a = std::make_shared<AttentionArgs>();
  auto* cmd = root.add_subcommand("attention", "Mamba's hidden attention per layer, checked against the scan, "
                                               "beside a Transformer's attention maps");
  cmd->add_option("--checkpoint", a->checkpoint, "Mamba run directory")->required();
  cmd->add_option("--compare", a->compare, "Transformer run directory: its attention maps on the same tokens");
  auto* input = cmd->add_option("--input", a->input, "whitespace-separated token names, e.g. \"$ a b c | a b c .\"");
  auto* sample = cmd->add_flag("--sample", a->sample, "analyse one example of the checkpoint's task instead");
  input->excludes(sample);
  add_seed_option(cmd, a->seed, "with --sample: seed of the example (as 'freelunch sample --seed')");
  auto* size = cmd->add_option("--size", a->size, "with --sample: draw an example of this task size");
  cmd->add_option("--out", a->out, "directory of the plots and report (default <checkpoint>/attention)");
  cmd->add_option("--layer", a->layer, "analyse only this layer (0-based)")
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  cmd->add_option("--channel", a->channel, "the channel shown alone (default: the one with the largest mean |S|)")
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  cmd->callback([a, size] {
    auto mamba = load_checkpoint(a->checkpoint);
    const fs::path out = a->out.empty() ? fs::path(a->checkpoint) / "attention" : fs::path(a->out);
    require_output_directory(out, "--out");
    require(mamba.config.model.is_mamba(), "--checkpoint: " + a->checkpoint + " holds a " +
                                               mamba.config.model.type +
                                               " model; pass a Mamba checkpoint (a Transformer goes to --compare)");
    std::optional<LoadedCheckpoint> transformer;
    if (!a->compare.empty()) {
      transformer = load_checkpoint(a->compare);
      require(!transformer->config.model.is_mamba(),
              "--compare: " + a->compare + " holds a mamba model; pass a Transformer checkpoint");
      require(transformer->task->vocab().names() == mamba.task->vocab().names(),
              "--compare: " + a->compare + " has another vocabulary than --checkpoint");
    }
    const int64_t Di = mamba.config.model.d_inner();
    require(a->channel < Di, "--channel " + std::to_string(a->channel) + ": the model has channels 0 … " +
                                 std::to_string(Di - 1));
    std::optional<int64_t> layer;
    if (a->layer >= 0) layer = a->layer;
    require(a->layer < mamba.config.model.n_layer, "--layer " + std::to_string(a->layer) +
                                                       ": the model has layers 0 … " +
                                                       std::to_string(mamba.config.model.n_layer - 1));
    const auto ids = input_tokens(*a, *mamba.task, size->count() > 0);
    const int64_t L = static_cast<int64_t>(ids.size());
    const auto tokens = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kInt64).unsqueeze(0);  // (1, L)

    const auto layers = theory::analyse_mamba_attention(mamba.model, tokens, layer);
    TransformerMaps maps;
    if (transformer) {
      const auto all = theory::transformer_attention_maps(transformer->model, tokens);  // per layer (1, H, L, L)
      const auto n = static_cast<int64_t>(all.size());
      require(!layer || *layer < n, "--layer " + std::to_string(a->layer) + ": the --compare model has only " +
                                        std::to_string(n) + " layers");
      for (int64_t k = 0; k < n; ++k)
        if (!layer || k == *layer) maps.emplace_back(k, all[k]);
    }
    std::vector<int64_t> channels;  // the channel shown alone, per analysed layer
    for (const auto& r : layers)
      channels.push_back(a->channel >= 0 ? a->channel : r.maps.scores[0].abs().mean({1, 2}).argmax().item<int64_t>());

    std::error_code ec;
    fs::create_directories(out, ec);
    require(!ec, "--out: cannot create " + out.string() + ": " + ec.message());
    const auto profiles = decay_profiles(layers, maps);
    const bool rendered = write_figures(layers, maps, channels, profiles, out);

    std::string report = "input (" + std::to_string(L) + " tokens): " + mamba.task->vocab().render(ids) + "\n\n";
    report += "Mamba " + a->checkpoint + ", float64: out_i = (sum_j S_ij dt_j x_j + D x_i) * SiLU(z_i) rebuilt from "
              "the hidden attention S_ij = sum_n alpha_ij[n] C_i[n] B_j[n]; relative max error against\n"
              "  scan: kernels::selective_scan on the layer's inputs;  mixer: the layer's own mixer output (out_proj)\n";
    TextTable errors({"layer", "scan rel. error", "mixer rel. error", "max |S|", "channel shown"});
    for (size_t r = 0; r < layers.size(); ++r)
      errors.add({std::to_string(layers[r].layer), scientific(layers[r].scan_error), scientific(layers[r].mixer_error),
                  scientific(layers[r].maps.scores.abs().max().item<double>()), std::to_string(channels[r])});
    report += errors.render() + "\n" + decay_table(profiles, L);
    report += "figures (CSV, gnuplot script" + std::string(rendered ? ", PNG, SVG" : "; gnuplot missing, no pictures") +
              ") and this report: " + out.string() + "\n";
    write_file_atomic(out / "attention.txt", report);
    std::printf("%s", report.c_str());
  });
}

}  // namespace fl::cli
