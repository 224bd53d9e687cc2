// freelunch results DIR|NAME [--store URL] [--merge [SRC…]] [--where key=value …] [--columns a,b,…]
//                  [--csv FILE]
// The table of a sweep's cells from DIR/results.sqlite, or of the sweep NAME in a PostgreSQL
// store; --csv also writes it (atomically). --merge first merges DIR's shard databases and those
// of every SRC into DIR/results.sqlite.
#include <cstdio>

#include "cli/commands.h"
#include "cli/flags.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/output_path.h"
#include "experiments/results_merge.h"
#include "experiments/results_query.h"
#include "experiments/sweep_store.h"

namespace fl::cli {

void add_results_command(CLI::App& root) {
  struct Args {
    std::string sweep, store, csv;
    std::vector<std::string> where, columns, merge;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("results", "show, filter and export the results of a sweep");
  cmd->add_option("sweep", args->sweep, "sweep directory (holds results.sqlite), or with --store the sweep's name")
      ->required();
  add_store_option(cmd, args->store);
  auto* merge = cmd->add_option("--merge", args->merge,
                                "first merge DIR/shards/*/results.sqlite and these sweep or shard directories "
                                "(or results.sqlite files) into DIR/results.sqlite")
                    ->expected(0, -1);
  cmd->add_option("--where", args->where, "keep cells where key=value or key!=value (repeatable; any column)")
      ->allow_extra_args(false);
  cmd->add_option("--columns", args->columns,
                  "columns, comma-separated: built-ins (status loss acc gen params state_bytes tok_s train_s …), "
                  "config keys (model.d_state), acc@N / gen@N, metrics.PATH")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_option("--csv", args->csv, "also write the table to this CSV file (full precision)");
  cmd->callback([args, merge] {
    if (!args->csv.empty()) require_output_file(args->csv, "--csv");
    if (!args->store.empty()) check_store_url(args->store);
    require(merge->count() == 0 || args->store.empty(),
            "--merge joins SQLite shard databases; a --store database needs no merging");
    if (merge->count() > 0) {
      require_output_directory(args->sweep, "dir");
      std::vector<std::filesystem::path> sources;  // `--merge` alone gives one empty value
      for (const auto& source : args->merge)
        if (!source.empty()) sources.emplace_back(source);
      std::printf("%s\n", merge_results(args->sweep, sources).line().c_str());
    }
    const auto rows = args->store.empty()
                          ? open_sweep_store(args->sweep, "", SweepStore::Open::kReadOnly)->rows()
                          : open_sweep_store(args->store, args->sweep, SweepStore::Open::kReadOnly)->rows();
    const auto table = select_results(rows, args->where, args->columns);
    std::printf("%s%zu of %s\n", render_results(table).c_str(), table.rows.size(), status_line(rows).c_str());
    if (!args->csv.empty()) {
      write_file_atomic(args->csv, results_csv(table));
      std::printf("wrote %s\n", args->csv.c_str());
    }
  });
}

}  // namespace fl::cli
