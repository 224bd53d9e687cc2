// `freelunch reproduce`: runs the suite (reproduce/suite.h) into a results directory and builds
// the report from what is stored there (docs/REPRODUCE.md).
//
//   DIR/sweeps/<id>/     one sweep per trained claim: results.sqlite + cells/<hash>/ (with a
//                        PostgreSQL store, the cells table is the database's sweep "<suite>/<id>")
//   DIR/cost/            cost.json (+ the cost command's tables and plots), part.json (settings, run time)
//   DIR/theory/copy/     theory.json (+ tables and plots), part.json
//   DIR/theory/local-dp/ the same for `theory local-dp`
//   DIR/provenance.json  commit, date and threads of the last run that computed anything
//   DIR/report/          index.md, index.html and every plot (CSV, gnuplot script, PNG, SVG)
//
// Reruns reuse everything finished: done sweep cells are skipped (failed and interrupted ones
// run again), cost and theory run again only when their part.json settings differ from the suite's
// settings or their results are missing or unreadable. The report is a pure function of the stored results:
// delete DIR/report, rerun, and the same bytes come back.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "experiments/sweep_runner.h"
#include "experiments/sweep_shard.h"
#include "report/claim_report.h"
#include "reproduce/suite.h"

namespace fl::reproduce {

struct ReproduceOptions {
  std::filesystem::path dir;  // the results directory (created)
  std::string store;          // a postgresql:// URL: the sweeps' store; "" = DIR/sweeps/<id>/results.sqlite
  int workers = 1;            // sweep worker processes (see SweepOptions)
  // argv of one worker process for a sweep file, the sweep's options (directory, store) and the
  // suite's seed count (needed when workers > 1).
  std::function<std::vector<std::string>(const std::filesystem::path& file, const SweepOptions& sweep,
                                         int64_t seeds)>
      worker_command;
  bool report_only = false;              // build the report from what is stored; run nothing
  // Train only this shard of every sweep, into DIR/sweeps/<id>/shards/I-of-N/results.sqlite; no
  // cost, theory or report. A run without a shard (also --report-only) first merges each sweep's
  // shard databases into its results.sqlite (results_merge.h).
  std::optional<Shard> shard;
  bool progress = true;                  // progress bars and part headers on stderr
  bool quick = true;                     // recorded in the report's run line
  std::filesystem::path repo_dir = ".";  // for the commit in provenance.json
};

struct ReproduceResult {
  ClaimReport report;
  std::filesystem::path index_md, index_html;
  int64_t computed = 0;  // parts that ran something (a cell, cost or theory); 0 = all reused
};

// With options.shard: trains that shard of every sweep and returns an empty report.
ReproduceResult run_reproduce(const Suite& suite, const ReproduceOptions& options);

// The report from DIR's stored results alone (what run_reproduce ends with), written to DIR/report.
ReproduceResult build_report(const Suite& suite, const ReproduceOptions& options);

// The verdict table as aligned text, then each claim's reason on its own paragraph, then the count of
// sanity checks passed / failed / not checked with each failure, for the terminal.
std::string verdict_table(const ClaimReport& report);

// The name of a suite's sweep in a PostgreSQL store: "<suite name>/<sweep id>", so the suites
// (quick, standard, …) keep their sweeps apart in one database.
std::string store_sweep_name(const Suite& suite, const SuiteSweep& sweep);

}  // namespace fl::reproduce
