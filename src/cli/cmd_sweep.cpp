// freelunch sweep FILE [--dir DIR] [--store URL [--store-name NAME]] [--seeds S] [--workers N] [--quiet]
// Runs every cell of a sweep file (docs/SWEEPS.md) into DIR (default sweeps/<file name>), its
// store being DIR/results.sqlite or a PostgreSQL database: resumable, and shareable by several
// processes (on several machines with --store). `--worker` (hidden) is one worker started by
// another `freelunch sweep --workers N`.
#include <cstdio>

#include "cli/commands.h"
#include "cli/flags.h"
#include "core/output_path.h"
#include "experiments/postgres_url.h"
#include "experiments/sweep_runner.h"
#include "experiments/worker_command.h"

namespace fl::cli {

void add_sweep_command(CLI::App& root) {
  struct Args {
    std::string file, dir, store, store_name;
    int workers = 1;
    int64_t seeds = 0;
    bool quiet = false, worker = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("sweep", "train every cell of a grid of configs; resumable, several workers");
  cmd->add_option("file", args->file, "sweep file (TOML: [base], [grid], [[variants]]; see docs/SWEEPS.md)")
      ->required();
  cmd->add_option("--dir", args->dir,
                  "sweep directory: cells/<hash>/, and results.sqlite without --store (default sweeps/<file name>)");
  add_store_option(cmd, args->store);
  cmd->add_option("--store-name", args->store_name, "the sweep's name in the --store database (default: the file's)")
      ->needs("--store");
  cmd->add_option("--seeds", args->seeds, "run every cell with seeds 1 … S (the file must not set seed itself)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  cmd->add_option("--workers", args->workers, "worker processes sharing the queue (threads are split among them)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--quiet", args->quiet, "no progress bar");
  cmd->add_flag("--worker", args->worker, "run as one worker of another sweep process")->group("");
  cmd->callback([args] {
    if (!args->store.empty()) check_store_url(args->store);
    const auto spec = SweepSpec::load(args->file, args->seeds);
    SweepOptions options;
    options.store = args->store;
    options.store_name = args->store_name;
    options.dir = args->dir.empty() ? std::filesystem::path("sweeps") / std::filesystem::path(args->file).stem()
                                    : std::filesystem::path(args->dir);
    require_output_directory(options.dir, "--dir");
    options.workers = args->workers;
    options.progress = !args->quiet;
    if (args->worker) {
      run_sweep_worker(spec, options);
      return;
    }
    const int threads = threads_per_worker(args->workers);
    options.worker_command = sweep_worker_command(threads, std::filesystem::absolute(args->file),
                                                  std::filesystem::absolute(options.dir), args->seeds, args->store,
                                                  args->store_name);
    const auto summary = run_sweep(spec, options);
    for (const auto& failure : summary.failures) std::printf("failed %s\n", failure.c_str());
    const std::string results_args =
        args->store.empty() ? options.dir.string()
                            : "--store " + redacted_url(args->store) + " " +
                                  (args->store_name.empty() ? spec.name : args->store_name);
    std::printf("%s\nresults: freelunch results %s\n", summary.line(spec.name).c_str(), results_args.c_str());
  });
}

}  // namespace fl::cli
