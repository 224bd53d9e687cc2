#include "experiments/compare.h"

#include <cstdio>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/output_path.h"
#include "core/progress.h"
#include "cost/state_footprint.h"
#include "render/table.h"
#include "train/checkpoint.h"
#include "train/checkpoint_series.h"
#include "train/run_directory.h"
#include "train/trainer.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

struct Entry {
  std::string name;
  RunConfig config;
  TrainSummary summary;
  cost::StateFootprint state;
};

// The run of `e` in `dir`: trained when the directory is new (or holds only the remains of a run
// that stopped before its first checkpoint), reused when it holds the finished run of the same
// resolved config, resumed from its checkpoint when it holds that run interrupted. Any other
// content is refused and left as it is.
TrainSummary run_in(const Entry& e, const fs::path& dir) {
  const RunDirectory run(dir);
  const auto state = run.state();
  if (state == RunDirectoryState::empty || state == RunDirectoryState::unstarted) return train_run(e.config, dir, true);
  require(state != RunDirectoryState::other,
          dir.string() + ": is not empty and holds no freelunch run; choose another --out");
  const bool finished = state == RunDirectoryState::finished;
  const std::string difference = first_config_difference(e.config.to_json(), run.saved_config(state));
  require(difference.empty(), dir.string() + ": holds " + (finished ? "a finished" : "an interrupted") +
                                  " run of another config (" + difference + "); choose another --out, or remove " +
                                  dir.string() + " to train it again");
  if (finished) {
    std::fprintf(stderr, "%s: reusing the finished run in %s\n", e.name.c_str(), dir.string().c_str());
    return run.summary();
  }
  std::fprintf(stderr, "%s: resuming the interrupted run in %s at step %lld\n", e.name.c_str(), dir.string().c_str(),
               static_cast<long long>(CheckpointSeries::step_of(*CheckpointSeries(dir).latest())));
  return resume_run(dir, TrainOptions{});
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

std::string run_compare(const CompareOptions& o) {
  require_output_directory(o.out, "--out");
  std::vector<Entry> entries;
  for (const auto& path : o.configs)  // validate every config before training any
    entries.push_back({fs::path(path).stem().string(), RunConfig::load(path, o.overrides), {}, {}});
  for (const auto& e : entries)
    require(e.config.task_name == entries.front().config.task_name &&
                e.config.eval.sizes == entries.front().config.eval.sizes,
            "compare: every config must use the same task and eval.sizes ('" + e.name + "' differs)");
  for (auto& e : entries) {
    const fs::path dir = o.out / e.name;
    try {
      e.summary = run_in(e, dir);
    } catch (const TrainingInterrupted& ex) {  // main prints it and dies of the signal
      throw TrainingInterrupted(ex.signal(), std::string(ex.what()) +
                                                 "; continue with: the same freelunch compare command (it "
                                                 "resumes the run)");
    }
    e.state = cost::state_footprint(load_checkpoint(dir).model);
  }
  const std::string text = render(entries, entries.front().config.make_task()->size_name());
  write_file_atomic(o.out / "compare.txt", text);
  return text;
}

}  // namespace fl
