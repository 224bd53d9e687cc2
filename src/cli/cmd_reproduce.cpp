// freelunch reproduce [--quick | --standard | --full | --suite DIR] [--dir DIR] [--store URL | --shard I/N]
//                     [--workers N] [--report-only]
// Runs the suite of sweeps, the cost measurement and the theory constructions, then writes the
// claim report (index.md, index.html) from the stored results (docs/REPRODUCE.md). --shard I/N
// trains only shard I of every sweep (one task of a job array); the next run without it merges them.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "cli/flags.h"
#include "core/error.h"
#include "core/output_path.h"
#include "core/progress.h"
#include "core/timing.h"
#include "experiments/worker_command.h"
#include "reproduce/reproduce.h"

#ifndef FREELUNCH_SOURCE_DIR
#define FREELUNCH_SOURCE_DIR "."
#endif

namespace fl::cli {

namespace fs = std::filesystem;

namespace {

struct ReproduceArgs {
  bool quick = false, standard = false, full = false, report_only = false, quiet = false;
  std::string suite, dir, store, shard;
  int workers = 0;
};

}  // namespace

void add_reproduce_command(CLI::App& root) {
  auto a = std::make_shared<ReproduceArgs>();
  auto* cmd = root.add_subcommand("reproduce",
                                  "test every claim of the paper: sweeps, cost, theory → "
                                  "report/index.md + index.html with verdicts (resumable)");
  auto* quick = cmd->add_flag("--quick", a->quick, "the small suite, ≤ 20 min on 2 cores (default)");
  auto* standard = cmd->add_flag("--standard", a->standard,
                                 "the suite of docs/results/standard: the regime of the claims, ≤ ~2 h on 2 cores");
  auto* full = cmd->add_flag("--full", a->full, "the paper-like suite (many hours)");
  auto* suite = cmd->add_option("--suite", a->suite, "a suite directory of your own (docs/REPRODUCE.md)");
  quick->excludes(standard)->excludes(full)->excludes(suite);
  standard->excludes(full)->excludes(suite);
  full->excludes(suite);
  cmd->add_option("--dir", a->dir, "results directory (default results/reproduce/<suite name>)");
  add_store_option(cmd, a->store);
  cmd->add_option("--workers", a->workers, "sweep worker processes sharing the threads (default: one per thread)")
      ->check(CLI::Range(1, 256));
  auto* report_only =
      cmd->add_flag("--report-only", a->report_only, "rebuild the report from the stored results; run nothing");
  cmd->add_option("--shard", a->shard,
                  "train only shard I of N of every sweep (cells split by config hash); no cost, theory or report")
      ->excludes(report_only);
  cmd->add_flag("--quiet", a->quiet, "no progress output");
  cmd->callback([a] {
    if (!a->store.empty()) check_store_url(a->store);
    const fs::path suite_dir = !a->suite.empty() ? fs::path(a->suite) : reproduce::shipped_suite_dir(a->full ? "full" : a->standard ? "standard" : "quick", FREELUNCH_SOURCE_DIR);
    const auto suite = reproduce::Suite::load(suite_dir);
    reproduce::ReproduceOptions o;
    o.dir = a->dir.empty() ? fs::path("results") / "reproduce" / suite.name : fs::path(a->dir);
    require_output_directory(o.dir, "--dir");
    o.workers = a->workers > 0 ? a->workers : std::max(1, at::get_num_threads());
    o.store = a->store;
    o.report_only = a->report_only;
    if (!a->shard.empty()) o.shard = parse_shard(a->shard, "--shard");
    o.progress = !a->quiet;
    o.repo_dir = FREELUNCH_SOURCE_DIR;
    const int threads = threads_per_worker(o.workers);
    o.worker_command = [threads, shard = o.shard](const fs::path& file, const SweepOptions& sweep, int64_t seeds) {
      return sweep_worker_command(threads, file, sweep.dir, seeds, shard, sweep.store, sweep.store_name);
    };
    if (o.progress)
      std::fprintf(stderr, "reproduce: suite %s → %s (%d worker%s)\n", suite_dir.string().c_str(),
                   o.dir.string().c_str(), o.workers, o.workers == 1 ? "" : "s");
    const auto start = std::chrono::steady_clock::now();
    const auto result = reproduce::run_reproduce(suite, o);
    const double seconds = seconds_since(start);
    if (o.shard) {
      std::printf("shard %s of every sweep trained in %s; when every shard is done, the same command without "
                  "--shard merges them and writes the report\n",
                  o.shard->label().c_str(), format_duration(seconds).c_str());
      return;
    }
    std::printf("%s\nreport: %s\n        %s\n%s in %s\n", reproduce::verdict_table(result.report).c_str(),
                result.index_md.string().c_str(), result.index_html.string().c_str(),
                result.computed > 0 ? "computed" : "everything reused; report rebuilt",
                format_duration(seconds).c_str());
  });
}

}  // namespace fl::cli
