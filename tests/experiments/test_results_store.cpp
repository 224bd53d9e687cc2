// The results database as a work queue: claims are exclusive across connections and threads,
// a dead holder's cell is reclaimed, a live one is not, a lost claim cannot write, and failed
// cells go back to the queue on the next enqueue. Also the results table built from it.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/results_query.h"
#include "experiments/results_store.h"
#include "experiments/sqlite_db.h"
#include "support/fixtures.h"

namespace fl {
namespace {

using test_support::TempDir;

std::vector<SweepCell> make_cells(int n) {
  std::vector<SweepCell> cells;
  for (int i = 0; i < n; ++i) {
    Json config = {{"seed", i}, {"model.d_state", 1 + i % 3}};
    cells.push_back({config_hash(config), i % 2 ? "odd" : "even", config, i});
  }
  return cells;
}

std::unordered_set<std::string> hashes_of(const std::vector<SweepCell>& cells) {
  std::unordered_set<std::string> out;
  for (const auto& c : cells) out.insert(c.hash);
  return out;
}

// A process that has exited (and been reaped): its pid names nobody alive.
WorkerId dead_worker() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return {this_host(), pid, 12345};
}

CellResult result_with_accuracy(double accuracy) {
  CellResult r;
  r.metrics = {{"eval", {{"by_size", {{{"size", 2}, {"n", 4}, {"tf", {{"whole", accuracy}}}}}}}}};
  r.final_loss = 0.5, r.accuracy = accuracy, r.parameters = 1234, r.state_bytes = 64, r.threads = 1;
  return r;
}

TEST(ResultsStore, ClaimsAreExclusiveAcrossConnections) {
  TempDir dir;
  const auto cells = make_cells(2);
  ResultsStore a(dir / "r.sqlite", ResultsStore::Open::kCreate), b(dir / "r.sqlite", ResultsStore::Open::kExisting);
  EXPECT_EQ(a.enqueue(cells, true).added, 2);
  const auto me = WorkerId::self();
  const auto first = a.claim_next(hashes_of(cells), me, unix_now(), 600);
  const auto second = b.claim_next(hashes_of(cells), me, unix_now(), 600);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->hash, cells[0].hash);  // queue order
  EXPECT_EQ(second->hash, cells[1].hash);
  EXPECT_EQ(first->attempt, 1);
  EXPECT_FALSE(a.claim_next(hashes_of(cells), me, unix_now(), 600));
  EXPECT_FALSE(b.claim_next(hashes_of(cells), me, unix_now(), 600));
  // Only allowed cells are claimed.
  EXPECT_FALSE(a.claim_next({}, me, unix_now(), 600));
}

TEST(ResultsStore, ConcurrentClaimersNeverShareACell) {
  TempDir dir;
  const auto cells = make_cells(40);
  ResultsStore(dir / "r.sqlite", ResultsStore::Open::kCreate).enqueue(cells, true);
  std::vector<std::vector<std::string>> claimed(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < claimed.size(); ++t)
    threads.emplace_back([&, t] {
      ResultsStore store(dir / "r.sqlite", ResultsStore::Open::kExisting);
      const auto me = WorkerId::self();
      while (auto claim = store.claim_next(hashes_of(cells), me, unix_now(), 600)) {
        claimed[t].push_back(claim->hash);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // hold it a moment, as a worker would
        EXPECT_TRUE(store.finish_done(*claim, me, result_with_accuracy(0.5), unix_now()));
      }
    });
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  size_t total = 0;
  for (const auto& c : claimed) total += c.size(), all.insert(c.begin(), c.end());
  EXPECT_EQ(total, cells.size());
  EXPECT_EQ(all.size(), cells.size());
  for (const auto& row : ResultsStore(dir / "r.sqlite", ResultsStore::Open::kExisting).rows()) {
    EXPECT_EQ(row.status, CellStatus::kDone);
    EXPECT_EQ(row.attempts, 1);
  }
}

TEST(ResultsStore, DeadHolderIsReclaimedAndLosesItsClaim) {
  TempDir dir;
  const auto cells = make_cells(1);
  ResultsStore store(dir / "r.sqlite", ResultsStore::Open::kCreate);
  store.enqueue(cells, true);
  const auto dead = dead_worker();
  const auto lost = store.claim_next(hashes_of(cells), dead, unix_now(), 600);
  ASSERT_TRUE(lost);
  const auto me = WorkerId::self();
  ASSERT_TRUE(me.alive_here());
  EXPECT_FALSE(dead.alive_here());
  const auto taken = store.claim_next(hashes_of(cells), me, unix_now(), 600);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->hash, cells[0].hash);
  EXPECT_EQ(taken->attempt, 2);
  EXPECT_FALSE(store.finish_done(*lost, dead, result_with_accuracy(1), unix_now()));
  EXPECT_FALSE(store.heartbeat(*lost, dead, unix_now()));
  EXPECT_TRUE(store.heartbeat(*taken, me, unix_now()));
  EXPECT_TRUE(store.finish_done(*taken, me, result_with_accuracy(0.75), unix_now()));
  const auto rows = store.rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, CellStatus::kDone);
  EXPECT_EQ(rows[0].pid.value(), me.pid);
  EXPECT_DOUBLE_EQ(rows[0].accuracy.value(), 0.75);
  EXPECT_FALSE(rows[0].accuracy_gen.has_value());  // -1 = not measured → NULL
  EXPECT_EQ(rows[0].metrics["eval"]["by_size"][0]["size"], 2);
}

TEST(ResultsStore, LiveHoldersKeepTheirCells) {
  TempDir dir;
  const auto cells = make_cells(2);
  ResultsStore store(dir / "r.sqlite", ResultsStore::Open::kCreate);
  store.enqueue(cells, true);
  const double t0 = unix_now();
  const WorkerId elsewhere{"some-other-host", 4242, 1};
  const auto parent = WorkerId::of_process(getppid());  // alive on this host
  ASSERT_TRUE(store.claim_next(hashes_of(cells), elsewhere, t0, 600));
  ASSERT_TRUE(store.claim_next(hashes_of(cells), parent, t0, 600));
  const auto me = WorkerId::self();
  // Another host's holder keeps its cell while its lease runs; this host's live process forever.
  EXPECT_FALSE(store.claim_next(hashes_of(cells), me, t0 + 599, 600));
  const auto reclaimed = store.claim_next(hashes_of(cells), me, t0 + 601, 600);
  ASSERT_TRUE(reclaimed);
  EXPECT_EQ(reclaimed->hash, cells[0].hash);
  EXPECT_FALSE(store.claim_next(hashes_of(cells), me, t0 + 1e6, 600));
}

TEST(ResultsStore, EnqueueRequeuesFailedCellsOnly) {
  TempDir dir;
  auto cells = make_cells(3);
  ResultsStore store(dir / "r.sqlite", ResultsStore::Open::kCreate);
  store.enqueue(cells, true);
  const auto me = WorkerId::self();
  const auto a = store.claim_next(hashes_of(cells), me, unix_now(), 600);
  const auto b = store.claim_next(hashes_of(cells), me, unix_now(), 600);
  ASSERT_TRUE(a && b);
  store.finish_done(*a, me, result_with_accuracy(1), unix_now());
  store.finish_failed(*b, me, "cell x: 'model.d_state' must be ≥ 1, got 0", unix_now());
  EXPECT_EQ(store.rows()[1].error, "cell x: 'model.d_state' must be ≥ 1, got 0");
  cells.push_back(make_cells(4).back());
  const auto counts = store.enqueue(cells, true);
  EXPECT_EQ(counts.added, 1);
  EXPECT_EQ(counts.requeued, 1);
  const auto statuses = store.statuses();
  EXPECT_EQ(statuses.at(cells[0].hash), CellStatus::kDone);
  EXPECT_EQ(statuses.at(cells[1].hash), CellStatus::kQueued);
  EXPECT_EQ(statuses.at(cells[2].hash), CellStatus::kQueued);
  EXPECT_EQ(statuses.at(cells[3].hash), CellStatus::kQueued);
  EXPECT_TRUE(store.rows()[1].error.empty());
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
