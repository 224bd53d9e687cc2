// The behaviour both sweep stores share (experiments/sweep_store.h), run against each: SQLite in a
// temporary directory and PostgreSQL on a server of the suite's own. Claims are exclusive across
// connections and threads, a dead holder's cell is reclaimed and a live one's is not, a lost
// claim cannot write, failed cells go back to the queue on the next enqueue, and a row reads
// back exactly as written.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "experiments/sweep_store.h"
#include "support/fixtures.h"
#include "support/sweep_cells.h"
#include "support/postgres_server.h"

namespace fl {
namespace {

using test_support::PostgresServer;
using test_support::TempDir;
using test_support::hashes_of;
using test_support::make_cells;

enum class Backend { kSqlite, kPostgres };

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

class SweepStoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  static void TearDownTestSuite() { server_.reset(); }

  // A new store for this test: SQLite in its own directory, PostgreSQL in a sweep (schema) of its own.
  std::unique_ptr<SweepStore> open(SweepStore::Open mode) {
    if (GetParam() == Backend::kSqlite) return open_sweep_store(dir_.path().string(), "", mode);
    if (!server_) server_ = std::make_unique<PostgresServer>();
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    return open_sweep_store(server_->url(), std::string(test->name()), mode);
  }

  TempDir dir_;
  static std::unique_ptr<PostgresServer> server_;
};

std::unique_ptr<PostgresServer> SweepStoreContract::server_;

TEST_P(SweepStoreContract, ClaimsAreExclusiveAcrossConnections) {
  const auto cells = make_cells(2);
  auto a = open(SweepStore::Open::kCreate), b = open(SweepStore::Open::kExisting);
  EXPECT_EQ(a->enqueue(cells, true).added, 2);
  const auto me = WorkerId::self();
  const auto first = a->claim_next(hashes_of(cells), me, unix_now(), 600);
  const auto second = b->claim_next(hashes_of(cells), me, unix_now(), 600);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->hash, cells[0].hash);  // queue order
  EXPECT_EQ(second->hash, cells[1].hash);
  EXPECT_EQ(first->attempt, 1);
  EXPECT_EQ(first->config, cells[0].config);
  EXPECT_FALSE(a->claim_next(hashes_of(cells), me, unix_now(), 600));
  EXPECT_FALSE(b->claim_next(hashes_of(cells), me, unix_now(), 600));
  // Only allowed cells are claimed.
  EXPECT_FALSE(a->claim_next({}, me, unix_now(), 600));
}

TEST_P(SweepStoreContract, ConcurrentClaimersNeverShareACell) {
  const auto cells = make_cells(40);
  open(SweepStore::Open::kCreate)->enqueue(cells, true);
  std::vector<std::vector<std::string>> claimed(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < claimed.size(); ++t)
    threads.emplace_back([&, t] {
      const auto store = open(SweepStore::Open::kExisting);
      const auto me = WorkerId::self();
      while (auto claim = store->claim_next(hashes_of(cells), me, unix_now(), 600)) {
        claimed[t].push_back(claim->hash);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // hold it a moment, as a worker would
        EXPECT_TRUE(store->finish_done(*claim, me, result_with_accuracy(0.5), unix_now()));
      }
    });
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  size_t total = 0;
  for (const auto& c : claimed) total += c.size(), all.insert(c.begin(), c.end());
  EXPECT_EQ(total, cells.size());
  EXPECT_EQ(all.size(), cells.size());
  for (const auto& row : open(SweepStore::Open::kExisting)->rows()) {
    EXPECT_EQ(row.status, CellStatus::kDone);
    EXPECT_EQ(row.attempts, 1);
  }
}

TEST_P(SweepStoreContract, DeadHolderIsReclaimedAndLosesItsClaim) {
  const auto cells = make_cells(1);
  const auto store = open(SweepStore::Open::kCreate);
  store->enqueue(cells, true);
  const auto dead = dead_worker();
  const auto lost = store->claim_next(hashes_of(cells), dead, unix_now(), 600);
  ASSERT_TRUE(lost);
  const auto me = WorkerId::self();
  ASSERT_TRUE(me.alive_here());
  EXPECT_FALSE(dead.alive_here());
  const auto taken = store->claim_next(hashes_of(cells), me, unix_now(), 600);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->hash, cells[0].hash);
  EXPECT_EQ(taken->attempt, 2);
  EXPECT_FALSE(store->finish_done(*lost, dead, result_with_accuracy(1), unix_now()));
  EXPECT_FALSE(store->heartbeat(*lost, dead, unix_now()));
  EXPECT_TRUE(store->heartbeat(*taken, me, unix_now()));
  EXPECT_TRUE(store->finish_done(*taken, me, result_with_accuracy(0.75), unix_now()));
  const auto rows = store->rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, CellStatus::kDone);
  EXPECT_EQ(rows[0].pid.value(), me.pid);
  EXPECT_DOUBLE_EQ(rows[0].accuracy.value(), 0.75);
  EXPECT_FALSE(rows[0].accuracy_gen.has_value());  // -1 = not measured → NULL
  EXPECT_EQ(rows[0].metrics["eval"]["by_size"][0]["size"], 2);
}

TEST_P(SweepStoreContract, LiveHoldersKeepTheirCells) {
  const auto cells = make_cells(2);
  const auto store = open(SweepStore::Open::kCreate);
  store->enqueue(cells, true);
  const double t0 = unix_now();
  const WorkerId elsewhere{"some-other-host", 4242, 1};
  const auto parent = WorkerId::of_process(getppid());  // alive on this host
  ASSERT_TRUE(store->claim_next(hashes_of(cells), elsewhere, t0, 600));
  ASSERT_TRUE(store->claim_next(hashes_of(cells), parent, t0, 600));
  const auto me = WorkerId::self();
  // Another host's holder keeps its cell while its lease runs; this host's live process forever.
  EXPECT_FALSE(store->claim_next(hashes_of(cells), me, t0 + 599, 600));
  const auto reclaimed = store->claim_next(hashes_of(cells), me, t0 + 601, 600);
  ASSERT_TRUE(reclaimed);
  EXPECT_EQ(reclaimed->hash, cells[0].hash);
  EXPECT_FALSE(store->claim_next(hashes_of(cells), me, t0 + 1e6, 600));
}

TEST_P(SweepStoreContract, EnqueueRequeuesFailedCellsOnly) {
  auto cells = make_cells(3);
  const auto store = open(SweepStore::Open::kCreate);
  store->enqueue(cells, true);
  const auto me = WorkerId::self();
  const auto a = store->claim_next(hashes_of(cells), me, unix_now(), 600);
  const auto b = store->claim_next(hashes_of(cells), me, unix_now(), 600);
  ASSERT_TRUE(a && b);
  store->finish_done(*a, me, result_with_accuracy(1), unix_now());
  store->finish_failed(*b, me, "cell x: 'model.d_state' must be ≥ 1, got 0", unix_now());
  EXPECT_EQ(store->rows()[1].error, "cell x: 'model.d_state' must be ≥ 1, got 0");
  cells.push_back(make_cells(4).back());
  const auto counts = store->enqueue(cells, true);
  EXPECT_EQ(counts.added, 1);
  EXPECT_EQ(counts.requeued, 1);
  const auto statuses = store->statuses();
  EXPECT_EQ(statuses.at(cells[0].hash), CellStatus::kDone);
  EXPECT_EQ(statuses.at(cells[1].hash), CellStatus::kQueued);
  EXPECT_EQ(statuses.at(cells[2].hash), CellStatus::kQueued);
  EXPECT_EQ(statuses.at(cells[3].hash), CellStatus::kQueued);
  EXPECT_TRUE(store->rows()[1].error.empty());
  // A reordered sweep file moves its cells in the queue.
  std::swap(cells[1], cells[2]);
  for (size_t i = 0; i < cells.size(); ++i) cells[i].ordinal = static_cast<int64_t>(i);
  EXPECT_EQ(store->enqueue(cells, false).added, 0);
  const auto rows = store->rows();
  EXPECT_EQ(rows[1].hash, cells[1].hash);
  EXPECT_EQ(rows[1].ordinal, 1);
}

TEST_P(SweepStoreContract, RowsReadBackExactlyAsWritten) {
  const auto cells = make_cells(1);
  const auto store = open(SweepStore::Open::kCreate);
  store->enqueue(cells, true);
  const auto me = WorkerId::self();
  const double now = 1733580000.123456789;
  const auto claim = store->claim_next(hashes_of(cells), me, now, 600);
  ASSERT_TRUE(claim);
  CellResult r = result_with_accuracy(1.0 / 3);
  r.metrics["note"] = "quotes \" and backslashes \\ and ünïcode";
  r.final_loss = 0.1 + 0.2, r.accuracy_gen = 2.0 / 7, r.tokens_per_s = 12345.678901234567;
  r.train_seconds = 1e-300, r.wall_seconds = 6.02e23, r.parameters = int64_t{1} << 40, r.state_bytes = 96;
  r.threads = 2;
  ASSERT_TRUE(store->finish_done(*claim, me, r, now + 1.5));
  const auto row = open(SweepStore::Open::kReadOnly)->rows().at(0);
  EXPECT_EQ(row.hash, cells[0].hash);
  EXPECT_EQ(row.variant, "even");
  EXPECT_EQ(row.config, cells[0].config);
  EXPECT_EQ(row.status, CellStatus::kDone);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.host, me.host);
  EXPECT_EQ(row.pid.value(), me.pid);
  EXPECT_EQ(row.started_at.value(), now);
  EXPECT_EQ(row.finished_at.value(), now + 1.5);
  EXPECT_EQ(row.heartbeat_at.value(), now + 1.5);
  EXPECT_EQ(row.metrics, r.metrics);
  EXPECT_EQ(row.final_loss.value(), r.final_loss);  // bit for bit
  EXPECT_EQ(row.accuracy.value(), r.accuracy);
  EXPECT_EQ(row.accuracy_gen.value(), r.accuracy_gen);
  EXPECT_EQ(row.tokens_per_s.value(), r.tokens_per_s);
  EXPECT_EQ(row.train_seconds.value(), r.train_seconds);
  EXPECT_EQ(row.wall_seconds.value(), r.wall_seconds);
  EXPECT_EQ(row.parameters.value(), r.parameters);
  EXPECT_EQ(row.state_bytes.value(), r.state_bytes);
  EXPECT_EQ(row.threads.value(), r.threads);
  EXPECT_TRUE(row.error.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, SweepStoreContract, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? std::string("SQLite") : std::string("PostgreSQL");
                         });

}  // namespace
}  // namespace fl
