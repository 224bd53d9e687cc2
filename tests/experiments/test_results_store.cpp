// The SQLite results database: files that are not results databases are refused (the queue's
// behaviour, shared with the PostgreSQL store, is in test_sweep_store_contract.cpp). Also the
// results table built from it.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/results_query.h"
#include "experiments/results_store.h"
#include "experiments/sqlite_db.h"
#include "support/fixtures.h"
#include "support/sweep_cells.h"

namespace fl {
namespace {

using test_support::TempDir;
using test_support::hashes_of;
using test_support::make_cells;

CellResult result_with_accuracy(double accuracy) {
  CellResult r;
  r.metrics = {{"eval", {{"by_size", {{{"size", 2}, {"n", 4}, {"tf", {{"whole", accuracy}}}}}}}}};
  r.final_loss = 0.5, r.accuracy = accuracy, r.parameters = 1234, r.state_bytes = 64, r.threads = 1;
  return r;
}

TEST(ResultsStore, RejectsFilesThatAreNotResultsDatabases) {
  TempDir dir;
  write_file_atomic(dir / "junk.sqlite", std::string(4096, 'x'));
  EXPECT_THROW(ResultsStore(dir / "junk.sqlite", ResultsStore::Open::kExisting), Error);
  EXPECT_THROW(ResultsStore(dir / "missing.sqlite", ResultsStore::Open::kExisting), Error);
  SqliteDb(dir / "other.sqlite", SqliteDb::Open::kCreate, 1000).exec("CREATE TABLE t (x INTEGER)");
  try {
    ResultsStore(dir / "other.sqlite", ResultsStore::Open::kExisting);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a freelunch results database"), std::string::npos) << e.what();
  }
}

TEST(ResultsQuery, FiltersColumnsAndCsv) {
  TempDir dir;
  const auto cells = make_cells(4);
  ResultsStore store(dir / "r.sqlite", ResultsStore::Open::kCreate);
  store.enqueue(cells, true);
  const auto me = WorkerId::self();
  for (double acc : {0.25, 0.5, 0.75}) {
    const auto claim = store.claim_next(hashes_of(cells), me, unix_now(), 600);
    store.finish_done(*claim, me, result_with_accuracy(acc), unix_now());
  }
  const auto rows = store.rows();
  auto table = select_results(rows, {}, {});
  EXPECT_EQ(table.columns, (std::vector<std::string>{"variant", "model.d_state", "seed", "status", "loss", "acc",
                                                      "params", "state_bytes", "tok_s", "train_s"}));
  EXPECT_EQ(table.rows.size(), 4u);

  table = select_results(rows, {"status=done", "model.d_state!=2"}, {"seed", "acc@2", "gen@2", "model.n_layer"});
  ASSERT_EQ(table.rows.size(), 2u);  // seeds 0 and 2
  EXPECT_EQ(table.rows[0][0], 0);
  EXPECT_DOUBLE_EQ(table.rows[1][1].get<double>(), 0.75);
  EXPECT_TRUE(table.rows[0][2].is_null());  // no generated accuracy
  EXPECT_EQ(table.rows[0][3], 2);           // model.n_layer's default
  EXPECT_EQ(select_results(rows, {"acc=0.5"}, {"seed"}).rows.size(), 1u);
  EXPECT_EQ(select_results(rows, {"metrics.eval.by_size=x"}, {"seed"}).rows.size(), 0u);

  const auto text = render_results(table);
  EXPECT_NE(text.find("0.750"), std::string::npos) << text;
  EXPECT_EQ(results_csv(table), "seed,acc@2,gen@2,model.n_layer\n0,0.25,,2\n2,0.75,,2\n");
  EXPECT_EQ(status_line(rows), "4 cells: 3 done, 0 failed, 0 running, 1 queued");

  EXPECT_THROW(select_results(rows, {"nonsense=1"}, {}), Error);
  EXPECT_THROW(select_results(rows, {"status"}, {}), Error);
  EXPECT_THROW(select_results(rows, {}, {"acc@x"}), Error);
}

}  // namespace
}  // namespace fl
