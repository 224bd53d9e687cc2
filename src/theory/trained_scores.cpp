#include "theory/trained_scores.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <system_error>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/eval_set.h"
#include "render/plot.h"
#include "render/table.h"
#include "tasks/copy.h"
#include "tasks/lookup.h"
#include "theory/hidden_attention.h"

namespace fl::theory {

namespace {

int64_t separator_index(const Example& ex, int32_t sep) {
  const auto at = std::find(ex.tokens.begin(), ex.tokens.end(), sep);
  require(at != ex.tokens.end(), "copy scores: an example without its separator");
  return at - ex.tokens.begin();
}

// Sums per (layer, distance), averaged at the end.
struct Sums {
  int64_t count = 0;
  double a = 0, b = 0, c = 0, d = 0, smallest = std::numeric_limits<double>::infinity();
};
using Table = std::map<std::pair<int64_t, int64_t>, Sums>;

torch::Tensor row_tensor(const Example& ex) {  // (1, T) int64
  return torch::tensor(std::vector<int64_t>(ex.tokens.begin(), ex.tokens.end()), torch::kInt64).unsqueeze(0);
}

// Mamba: per layer the four quantities at each (query, source), and Σ log ᾱ_{t,t−1}.
void mamba_example(LanguageModel& model, const Example& ex, const std::vector<CopyQuery>& queries, Table& table,
                   std::vector<std::pair<double, int64_t>>& step_logs) {
  auto h = model->embed(row_tensor(ex), 0);  // (1, T, D)
  for (int64_t k = 0; k < model->num_layers(); ++k) {
    auto& block = dynamic_cast<MambaBlock&>(model->layer(k));
    const auto s = scan_inputs(*block.mixer, block.norm(h));
    const auto maps = hidden_attention(s);
    const auto weight = channel_mean_abs(maps)[0];                     // (T, T)
    const auto cb = torch::matmul(s.Cm[0], s.Bm[0].t());               // (T, T) C_i · B_j
    const auto alpha = maps.alpha_mean[0];                             // (T, T)
    for (const CopyQuery& q : queries) {
      Sums& sum = table[{k, q.query - q.source + 1}];
      const double decay = alpha[q.query][q.source].item<double>();
      sum.count += 1, sum.a += weight[q.query][q.source].item<double>();
      sum.b += std::abs(cb[q.query][q.source].item<double>()), sum.c += decay, sum.d += 1 / decay;
    }
    const int64_t T = alpha.size(0);
    step_logs.resize(std::max<size_t>(step_logs.size(), static_cast<size_t>(k + 1)));
    step_logs[k].first += alpha.diagonal(-1).log().sum().item<double>(), step_logs[k].second += T - 1;
    h = block.forward(h);
  }
}

// Transformer: per layer the best head's gap and probability at each (query, source).
void transformer_example(LanguageModel& model, const Example& ex, const std::vector<CopyQuery>& queries,
                         double epsilon, Table& table) {
  const auto maps = transformer_attention_maps(model, row_tensor(ex));  // per layer (1, H, T, T)
  for (size_t k = 0; k < maps.size(); ++k) {
    const auto logp = maps[k][0].to(torch::kFloat64).clamp_min(1e-300).log();  // (H, T, T)
    for (const CopyQuery& q : queries) {
      const auto row = logp.select(1, q.query).narrow(1, 0, q.query + 1).clone();  // (H, i + 1) keys ≤ i
      const auto source = row.select(1, q.source).clone();                         // (H)
      row.select(1, q.source).fill_(-std::numeric_limits<double>::infinity());
      const auto gaps = source - std::get<0>(row.max(1));                          // (H)
      const int64_t best = gaps.argmax().item<int64_t>();
      Sums& sum = table[{static_cast<int64_t>(k), q.query - q.source + 1}];
      const double gap = gaps[best].item<double>();
      sum.count += 1, sum.a += gap, sum.smallest = std::min(sum.smallest, gap);
      sum.b += std::log(static_cast<double>(q.query) * (1 - epsilon) / epsilon);
      sum.c += std::exp(source[best].item<double>());
    }
  }
}

std::string num(double x, const char* format) {
  char buf[48];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}

}  // namespace

std::vector<CopyQuery> copy_queries(const Task& task, const Example& ex) {
  std::vector<CopyQuery> out;
  if (dynamic_cast<const CopyTask*>(&task)) {
    const int64_t n = separator_index(ex, CopyTask::kSep) - 1;  // "$ x_1 … x_n |"
    for (int64_t k = 1; k <= n; ++k) out.push_back({n + k, k});
  } else if (const auto* lookup = dynamic_cast<const LookupTask*>(&task)) {
    const int64_t first = lookup->position_id(1), sep = separator_index(ex, LookupTask::kSep);
    for (int64_t i = sep + 1; i < static_cast<int64_t>(ex.tokens.size()); ++i)
      if (ex.tokens[i] >= first) out.push_back({i, ex.tokens[i] - first + 1});  // "@p" names x_p at index p
  } else {
    throw Error("copy scores need a copy or lookup task, got " + task.name());
  }
  return out;
}

CopyScores measure_copy_scores(LanguageModel& model, const Task& task, const CopyScoreOptions& o) {
  require(o.samples >= 1, "copy scores: samples must be at least 1");
  require(o.epsilon > 0 && o.epsilon < 0.5, "copy scores: epsilon must be in (0, 0.5)");
  const ModelFamily family = model->config().family;
  require(family == ModelFamily::mamba || family == ModelFamily::transformer,
          "copy scores need a Mamba or a Transformer model, got " + model->config().label());
  torch::NoGradGuard no_grad;
  const bool mamba = model->config().is_mamba();
  if (mamba) model->to(torch::kFloat64);
  const EvalSet set(task, o.sizes.empty() ? task.default_eval_sizes() : o.sizes, o.samples, o.seed);
  CopyScores out;
  out.model_type = to_string(model->config().family);
  Table table;
  std::vector<std::pair<double, int64_t>> step_logs;  // per layer: Σ log ᾱ_{t,t−1}, count
  for (const auto& [size, examples] : set.by_size())
    for (const Example& ex : examples) {
      const auto queries = copy_queries(task, ex);
      require(!mamba || static_cast<int64_t>(ex.tokens.size()) <= 512,
              "copy scores: " + std::to_string(ex.tokens.size()) + " tokens is too long for the hidden attention "
              "(at most 512; use smaller --sizes)");
      if (mamba) mamba_example(model, ex, queries, table, step_logs);
      else transformer_example(model, ex, queries, o.epsilon, table);
    }
  for (const auto& [logs, count] : step_logs) out.step_decay.push_back(std::exp(logs / static_cast<double>(count)));
  for (const auto& [key, s] : table) {
    const double n = static_cast<double>(s.count);
    const auto [layer, L] = key;
    if (mamba)
      out.mamba.push_back({layer, L, s.count, s.a / n, s.b / n, s.c / n, s.d / n,
                           std::pow(out.step_decay[layer], -static_cast<double>(L - 1))});
    else
      out.transformer.push_back({layer, L, s.count, s.a / n, s.smallest, s.b / n, s.c / n});
  }
  return out;
}

std::string copy_scores_table(const CopyScores& s) {
  if (!s.mamba.empty()) {
    TextTable t({"layer", "L", "queries", "source weight |S|", "raw score |C.B|", "decay alpha", "needed 1/alpha",
                 "(1/a)^(L-1)"});
    for (const auto& r : s.mamba)
      t.add({std::to_string(r.layer), std::to_string(r.distance), std::to_string(r.queries), num(r.source_weight, "%.3e"),
             num(r.raw_score, "%.3e"), num(r.decay, "%.3e"), num(r.needed_score, "%.3e"), num(r.bound, "%.3e")});
    std::string per_step;
    for (size_t k = 0; k < s.step_decay.size(); ++k)
      per_step += (k ? ", " : "") + std::string("layer ") + std::to_string(k) + " a = " + num(s.step_decay[k], "%.4f");
    return t.render() + "per-step decay (geometric mean of alpha_{t,t-1}): " + per_step + "\n";
  }
  TextTable t({"layer", "L", "queries", "logit gap (mean)", "logit gap (min)", "needed log(i(1-eps)/eps)", "p source"});
  for (const auto& r : s.transformer)
    t.add({std::to_string(r.layer), std::to_string(r.distance), std::to_string(r.queries), num(r.gap, "%.3f"),
           num(r.smallest_gap, "%.3f"), num(r.needed_gap, "%.3f"), num(r.source_probability, "%.4f")});
  return t.render();
}

std::vector<std::filesystem::path> write_copy_scores(const CopyScores& s, const std::filesystem::path& dir,
                                                     const std::string& stem, const std::string& title) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  require(!ec && std::filesystem::is_directory(dir), "copy scores: cannot create " + dir.string());
  const bool mamba = !s.mamba.empty();
  std::string csv = mamba ? "layer,distance,queries,source_weight,raw_score,decay,needed_score,bound\n"
                          : "layer,distance,queries,gap,smallest_gap,needed_gap,source_probability\n";
  std::map<int64_t, std::vector<Series>> per_layer;
  const auto point = [](Series& series, int64_t L, double y) {
    series.x.push_back(static_cast<double>(L)), series.y.push_back(y);
  };
  for (const auto& r : s.mamba) {
    csv += std::to_string(r.layer) + "," + std::to_string(r.distance) + "," + std::to_string(r.queries) +
           num(r.source_weight, ",%.17g") + num(r.raw_score, ",%.17g") + num(r.decay, ",%.17g") +
           num(r.needed_score, ",%.17g") + num(r.bound, ",%.17g") + "\n";
    auto& series = per_layer[r.layer];
    const std::string k = "layer " + std::to_string(r.layer);
    if (series.empty())
      series = {{k + ": raw score |C_i.B_j| at the source", {}, {}, SeriesStyle::points},
                {k + ": needed 1/alpha", {}, {}, SeriesStyle::linespoints},
                {k + ": (1/a)^(L-1), a = per-step decay (Thm 1)", {}, {}, SeriesStyle::line}};
    point(series[0], r.distance, r.raw_score), point(series[1], r.distance, r.needed_score);
    point(series[2], r.distance, r.bound);
  }
  for (const auto& r : s.transformer) {
    csv += std::to_string(r.layer) + "," + std::to_string(r.distance) + "," + std::to_string(r.queries) +
           num(r.gap, ",%.17g") + num(r.smallest_gap, ",%.17g") + num(r.needed_gap, ",%.17g") +
           num(r.source_probability, ",%.17g") + "\n";
    auto& series = per_layer[r.layer];
    const std::string k = "layer " + std::to_string(r.layer);
    if (series.empty())
      series = {{k + ": logit gap at the source (best head, mean)", {}, {}, SeriesStyle::points},
                {k + ": needed log(i(1-eps)/eps) (Thm 2)", {}, {}, SeriesStyle::line}};
    point(series[0], r.distance, r.gap), point(series[1], r.distance, r.needed_gap);
  }
  write_file_atomic(dir / (stem + ".csv"), csv);
  LinePlot plot{title, "copy distance L (tokens)", mamba ? "score (log scale)" : "logit gap (nats)", true, mamba, {},
                "center right"};
  for (auto& [layer, series] : per_layer)
    for (auto& one : series) plot.series.push_back(std::move(one));
  std::vector<std::filesystem::path> files = {dir / (stem + ".csv")};
  if (plot.series.empty()) return files;
  const PlotFiles f = write_plot(plot, dir / (stem + "_plot"));
  files.insert(files.end(), {f.csv, f.script});
  if (f.rendered) files.insert(files.end(), {f.png, f.svg});
  return files;
}

}  // namespace fl::theory
