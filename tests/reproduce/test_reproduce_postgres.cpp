// `freelunch reproduce --store URL` on the tiny suite: every sweep's cells go to the PostgreSQL
// store (one sweep "tiny/<id>" each, no results.sqlite written), a rerun computes nothing, and
// the report rebuilt with --report-only in another directory — holding only the cost, theory and
// provenance files, the cells coming from the store — has the same verdicts.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "experiments/postgres_store.h"
#include "report/paper_claims.h"
#include "reproduce/reproduce.h"
#include "support/fixtures.h"
#include "support/postgres_server.h"
#include "support/tiny_suite.h"

namespace fl::reproduce {
namespace {

namespace fs = std::filesystem;

std::vector<ClaimOutcome> verdicts(const ClaimReport& report) {
  std::vector<ClaimOutcome> out;
  for (const auto& section : report.sections) out.push_back(section.verdict.outcome);
  return out;
}

TEST(ReproducePostgres, SweepsLiveInTheStoreAndAnotherDirectoryRebuildsTheReport) {
  test_support::PostgresServer server;
  test_support::TempDir dir;
  const Suite suite = Suite::load(test_support::write_tiny_suite(dir));
  ReproduceOptions o;
  o.dir = dir / "results";
  o.store = server.url();
  o.progress = false;
  const auto first = run_reproduce(suite, o);
  EXPECT_EQ(first.computed, 6);
  EXPECT_EQ(read_file(first.index_md).find("not measured"), std::string::npos);
  for (const auto& sweep : suite.sweeps) {
    SCOPED_TRACE(sweep.id);
    EXPECT_FALSE(fs::exists(o.dir / "sweeps" / sweep.id / "results.sqlite"));
    const auto rows = PostgresStore(server.url(), "tiny/" + sweep.id, SweepStore::Open::kReadOnly).rows();
    EXPECT_EQ(rows.size(), sweep.spec.cells.size());
    for (const auto& row : rows) {
      EXPECT_EQ(row.status, CellStatus::kDone) << row.error;
      EXPECT_TRUE(fs::exists(o.dir / "sweeps" / sweep.id / "cells" / row.hash / "summary.json"));
    }
  }
  EXPECT_EQ(run_reproduce(suite, o).computed, 0);

  // Another machine: the store plus the non-sweep results, no cell directories.
  ReproduceOptions elsewhere = o;
  elsewhere.dir = dir / "elsewhere";
  elsewhere.report_only = true;
  fs::create_directories(elsewhere.dir);
  fs::copy(o.dir / "cost", elsewhere.dir / "cost", fs::copy_options::recursive);
  fs::copy(o.dir / "theory", elsewhere.dir / "theory", fs::copy_options::recursive);
  fs::copy(o.dir / "provenance.json", elsewhere.dir / "provenance.json");
  const auto rebuilt = run_reproduce(suite, elsewhere);
  EXPECT_EQ(rebuilt.computed, 0);
  EXPECT_EQ(verdicts(rebuilt.report), verdicts(first.report));
  EXPECT_EQ(read_file(rebuilt.index_md).find("not measured"), std::string::npos);
}

}  // namespace
}  // namespace fl::reproduce
