// freelunch sweep FILE [--dir DIR] [--store URL [--store-name NAME] | --shard I/N] [--seeds S] [--workers N]
//                [--quiet]
// Runs every cell of a sweep file (docs/SWEEPS.md) into DIR (default sweeps/<file name>), its
// store being DIR/results.sqlite or a PostgreSQL database: resumable, and shareable by several
// processes (on several machines with --store). --shard I/N runs only shard I's cells, into
// DIR/shards/I-of-N/results.sqlite (a job array's task; `results DIR --merge` joins them).
// `--worker` (hidden) is one worker started by another `freelunch sweep --workers N`.
#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "cli/flags.h"
#include "core/error.h"
#include "core/output_path.h"
#include "experiments/postgres_url.h"
#include "experiments/sweep_runner.h"
#include "experiments/sweep_shard.h"
#include "experiments/worker_command.h"

namespace fl::cli {

void add_sweep_command(CLI::App& root) {
  struct Args {
    std::string file, dir, store, store_name, shard;
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
  cmd->add_option("--shard", args->shard,
                  "run only shard I of N (1 ≤ I ≤ N; cells split by config hash) into DIR/shards/I-of-N/results.sqlite");
  cmd->add_option("--workers", args->workers, "worker processes sharing the queue (threads are split among them)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--quiet", args->quiet, "no progress bar");
  cmd->add_flag("--worker", args->worker, "run as one worker of another sweep process")->group("");
  cmd->callback([args] {
    if (!args->store.empty()) check_store_url(args->store);
    require(args->shard.empty() || args->store.empty(),
            "--shard and --store are alternatives: a PostgreSQL store is already shared by every machine");
    const std::optional<Shard> shard =
        args->shard.empty() ? std::nullopt : std::optional<Shard>(parse_shard(args->shard, "--shard"));
    const auto whole = SweepSpec::load(args->file, args->seeds);
    const auto spec = shard ? shard_spec(whole, *shard) : whole;
    SweepOptions options;
    options.store = args->store;
    options.store_name = args->store_name;
    options.dir = args->dir.empty() ? std::filesystem::path("sweeps") / std::filesystem::path(args->file).stem()
                                    : std::filesystem::path(args->dir);
    require_output_directory(options.dir, "--dir");
    if (shard) options.database = shard_database(options.dir, *shard);
    options.workers = args->workers;
    options.progress = !args->quiet;
    if (args->worker) {
      run_sweep_worker(spec, options);
      return;
    }
    if (shard) check_shard_count(options.dir, *shard);
    const int threads = threads_per_worker(args->workers);
    options.worker_command = sweep_worker_command(threads, std::filesystem::absolute(args->file),
                                                  std::filesystem::absolute(options.dir), args->seeds, shard,
                                                  args->store, args->store_name);
    const auto summary = run_sweep(spec, options);
    for (const auto& failure : summary.failures) std::printf("failed %s\n", failure.c_str());
    const std::string results_args =
        args->store.empty() ? results_file(options).parent_path().string()
                            : "--store " + redacted_url(args->store) + " " +
                                  (args->store_name.empty() ? spec.name : args->store_name);
    std::printf("%s\nresults: freelunch results %s\n", summary.line(spec.name).c_str(), results_args.c_str());
    if (shard)
      std::printf("merge the shards: freelunch results %s --merge\n", options.dir.string().c_str());
  });
}

}  // namespace fl::cli
