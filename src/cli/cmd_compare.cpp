// freelunch compare CONFIG… [--set key=value …] [--out DIR]
// Trains each config with the same overrides, then prints string accuracy per task size side
// by side with parameters and inference-state bytes. Finished runs with the same resolved
// config are reused, so a rerun only trains what changed.
#include <cstdio>

#include "cli/commands.h"
#include "cli/format.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "report/table.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace fl::cli {

namespace fs = std::filesystem;

namespace {

struct Entry {
  std::string name;
  RunConfig config;
  TrainSummary summary;
  StateFootprint state;
};

// A finished run directory holding exactly this config: its summary, else nothing (a summary
// that is damaged or from an older format counts as unfinished, so the run is redone).
std::optional<TrainSummary> finished_run(const fs::path& dir, const RunConfig& config) {
  if (!fs::exists(dir / "summary.json") || !fs::exists(dir / "config.json")) return std::nullopt;
  const Json saved = Json::parse(read_file(dir / "config.json"), nullptr, false);
  const Json s = Json::parse(read_file(dir / "summary.json"), nullptr, false);
  if (saved != config.to_json() || s.is_discarded()) return std::nullopt;
  try {
    TrainSummary summary;
    summary.final_loss = s.at("final_loss"), summary.tokens_per_second = s.at("tokens_per_s");
    summary.train_seconds = s.at("train_seconds"), summary.parameters = s.at("parameters");
    summary.eval = EvalReport::from_json(s.at("eval"));
    return summary;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

std::string render(const std::vector<Entry>& entries, const std::string& size_name) {
  std::vector<std::string> header = {size_name};
  for (const auto& e : entries) header.push_back(e.name + " (gen)"), header.push_back(e.name + " (tf)");
  TextTable table(header);
  const auto& rows = entries.front().summary.eval.rows;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<std::string> row = {std::to_string(rows[i].size)};
    for (const auto& e : entries) {
      const auto& r = e.summary.eval.rows.at(i);
      row.push_back(r.generated ? fixed(r.gen.whole, 3) : "-"), row.push_back(fixed(r.tf.whole, 3));
    }
    table.add(row);
  }
  std::string out = "accuracy (whole answer exact) per " + size_name + "\n" + table.render() + "\n";
  TextTable costs({"model", "parameters", "state @t=1", "state @t=1024", "+ per token", "train time", "tokens/s",
                   "final loss"});
  for (const auto& e : entries)
    costs.add({e.name, with_commas(e.summary.parameters), human_bytes(e.state.bytes_at_1),
               human_bytes(e.state.bytes_at_1024), human_bytes(e.state.growth_per_token),
               format_duration(e.summary.train_seconds), fixed(e.summary.tokens_per_second, 0),
               fixed(e.summary.final_loss, 4)});
  return out + costs.render() +
         "gen = greedy generation through step(), judged by the verifier; tf = teacher-forced; state = inference state in float32\n";
}

}  // namespace

void add_compare_command(CLI::App& root) {
  struct Args {
    std::vector<std::string> configs, sets;
    std::string out = "runs/compare";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("compare", "train several configs with one budget and compare accuracy and cost");
  cmd->add_option("configs", args->configs, "config files (TOML or JSON)")->required();
  cmd->add_option("--set", args->sets, "override applied to every config (repeatable)");
  cmd->add_option("--out", args->out, "directory of the runs (one subdirectory per config)")->capture_default_str();
  cmd->callback([args] {
    std::vector<Entry> entries;
    for (const auto& path : args->configs)  // validate every config before training any
      entries.push_back({fs::path(path).stem().string(), RunConfig::load(path, args->sets), {}, {}});
    for (auto& e : entries) {
      require(e.config.task_name == entries.front().config.task_name &&
                  e.config.eval.sizes == entries.front().config.eval.sizes,
              "compare: every config must use the same task and eval.sizes ('" + e.name + "' differs)");
      const fs::path dir = fs::path(args->out) / e.name;
      if (auto done = finished_run(dir, e.config)) {
        std::fprintf(stderr, "%s: reusing the finished run in %s\n", e.name.c_str(), dir.string().c_str());
        e.summary = *done;
      } else {
        if (fs::exists(dir)) {
          require(fs::exists(dir / "metrics.jsonl") || fs::exists(dir / "config.json"),
                  dir.string() + ": exists and is not a freelunch run; choose another --out");
          std::fprintf(stderr, "%s: %s holds an unfinished or different run; retraining\n", e.name.c_str(),
                       dir.string().c_str());
          fs::remove_all(dir);
        }
        e.summary = train_run(e.config, dir, true);
      }
      e.state = state_footprint(load_checkpoint(dir).model);
    }
    const std::string text = render(entries, entries.front().config.make_task()->size_name());
    write_file_atomic(fs::path(args->out) / "compare.txt", text);
    std::printf("%s", text.c_str());
  });
}

}  // namespace fl::cli
