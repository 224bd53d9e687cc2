// What only the PostgreSQL store has (experiments/postgres_store.h; what it shares with the
// SQLite store is in test_sweep_store_contract.cpp): one schema per sweep, foreign and
// other-version schemas refused before anything is written, read-only opening, one-line
// connection errors that never show the password, and reconnection after a server restart,
// bounded, with a one-line error when the server stays away.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <thread>

#include "core/error.h"
#include "experiments/postgres_store.h"
#include "support/fixtures.h"
#include "support/postgres_server.h"

namespace fl {
namespace {

using test_support::error_of;
using test_support::PostgresServer;

std::vector<SweepCell> two_cells() {
  std::vector<SweepCell> cells;
  for (int seed : {1, 2}) {
    const Json config = {{"seed", seed}};
    cells.push_back({config_hash(config), "", config});
  }
  return cells;
}

void expect_one_line(const std::string& message, const std::string& phrase) {
  EXPECT_NE(message.find(phrase), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<PostgresServer>(); }
  static void TearDownTestSuite() { server_.reset(); }
  static std::unique_ptr<PostgresServer> server_;
};

std::unique_ptr<PostgresServer> PostgresStoreTest::server_;

TEST_F(PostgresStoreTest, EachSweepHasASchemaOfItsOwn) {
  PostgresStore a(server_->url(), "copy", SweepStore::Open::kCreate);
  PostgresStore b(server_->url(), "quick/copy", SweepStore::Open::kCreate);
  EXPECT_EQ(a.schema(), "sweep:copy");
  a.enqueue(two_cells(), true);
  EXPECT_EQ(a.rows().size(), 2u);
  EXPECT_TRUE(b.rows().empty());
  EXPECT_EQ(server_->psql("SELECT count(*) FROM \"sweep:copy\".cells"), "2\n");
  EXPECT_TRUE(PostgresStore::exists(server_->url(), "quick/copy"));
  EXPECT_FALSE(PostgresStore::exists(server_->url(), "nowhere"));
  // Reading a sweep that is not there names the ones that are; nothing is created.
  expect_one_line(error_of([&] { PostgresStore(server_->url(), "nowhere", SweepStore::Open::kReadOnly); }),
                  "sweep nowhere: no such sweep in the database (it holds: copy, quick/copy)");
  EXPECT_FALSE(PostgresStore::exists(server_->url(), "nowhere"));
  expect_one_line(error_of([&] { PostgresStore(server_->url(), std::string(60, 'x'), SweepStore::Open::kCreate); }),
                  "too long for a PostgreSQL schema");
}

TEST_F(PostgresStoreTest, ForeignAndOtherVersionSchemasAreRefusedUntouched) {
  server_->psql("CREATE SCHEMA \"sweep:foreign\" AUTHORIZATION freelunch; CREATE TABLE \"sweep:foreign\".notes (x int)");
  expect_one_line(error_of([&] { PostgresStore(server_->url(), "foreign", SweepStore::Open::kCreate); }),
                  "schema \"sweep:foreign\" is not a freelunch sweep store");
  EXPECT_EQ(server_->psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'sweep:foreign'"), "1\n");

  { PostgresStore(server_->url(), "future", SweepStore::Open::kCreate).enqueue(two_cells(), true); }
  server_->psql("UPDATE \"sweep:future\".meta SET value = '2' WHERE key = 'schema_version'");
  for (const auto mode : {SweepStore::Open::kReadOnly, SweepStore::Open::kExisting, SweepStore::Open::kCreate})
    expect_one_line(error_of([&] { PostgresStore(server_->url(), "future", mode); }),
                    "sweep future: results schema version 2, this freelunch reads version 1");
}

TEST_F(PostgresStoreTest, ReadOnlyStoresNeverWrite) {
  { PostgresStore(server_->url(), "readonly", SweepStore::Open::kCreate).enqueue(two_cells(), true); }
  PostgresStore store(server_->url(), "readonly", SweepStore::Open::kReadOnly);
  EXPECT_EQ(store.rows().size(), 2u);
  expect_one_line(error_of([&] { store.enqueue(two_cells(), true); }), "read-only transaction");
  expect_one_line(error_of([&] { store.claim_next({two_cells()[0].hash}, WorkerId::self(), unix_now(), 600); }),
                  "read-only transaction");
  EXPECT_EQ(server_->psql("SELECT count(*) FROM \"sweep:readonly\".cells WHERE status = 'queued'"), "2\n");
}

TEST_F(PostgresStoreTest, ConnectionErrorsAreOneLineWithoutThePassword) {
  const std::string port = std::to_string(server_->port());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"postgresql://freelunch:s3cret@127.0.0.1:1/lab", "Connection refused"},
      {"postgresql://freelunch:s3cret@127.0.0.1:" + port + "/lab", "password authentication failed"},
      {"postgresql://freelunch:s3cret@127.0.0.1:" + port + "/nope", "password authentication failed"},
      {"postgresql://freelunch:s3cret@127.0.0.1:port/lab", "invalid integer value \"port\""},
      {"postgresql://freelunch@127.0.0.1:" + port + "/lab?password=s3cret&bogus=1", "not a valid PostgreSQL URL"},
  };
  for (const auto& [url, phrase] : cases) {
    SCOPED_TRACE(url);
    const std::string message = error_of([&] { PostgresStore(url, "s", SweepStore::Open::kCreate); });
    expect_one_line(message, phrase);
    EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
    EXPECT_EQ(message.rfind("postgresql://freelunch@127.0.0.1:", 0), 0u) << message;  // the URL, redacted
  }
  EXPECT_EQ(error_of([&] { PostgresStore(server_->url() + "&password=" + server_->password(), "s",
                                         SweepStore::Open::kCreate); }),
            "");  // a password in the URL works too (it is only never shown)
}

TEST_F(PostgresStoreTest, ReconnectsAfterTheServerRestarts) {
  PostgresStore store(server_->url(), "restart", SweepStore::Open::kCreate);
  store.enqueue(two_cells(), true);
  server_->stop();
  std::thread restart([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    server_->start();
  });
  const auto claim = store.claim_next({two_cells()[0].hash}, WorkerId::self(), unix_now(), 600);  // waits, reconnects
  restart.join();
  ASSERT_TRUE(claim);
  EXPECT_EQ(claim->attempt, 1);
  EXPECT_EQ(store.statuses().at(claim->hash), CellStatus::kRunning);
}

TEST_F(PostgresStoreTest, GivesUpWithOneLineWhenTheServerStaysAway) {
  PostgresStore store(server_->url(), "away", SweepStore::Open::kCreate, /*reconnects=*/2);
  store.enqueue(two_cells(), true);
  server_->stop();
  const std::string message = error_of([&] { store.statuses(); });
  server_->start();
  expect_one_line(message, "lost the connection to the sweep store; 2 reconnection attempts over 2 s failed");
  EXPECT_NE(message.find("rerun to continue"), std::string::npos) << message;
  EXPECT_EQ(message.find(server_->password()), std::string::npos) << message;
  EXPECT_EQ(store.statuses().size(), 2u);  // the next operation connects again

  setenv("FREELUNCH_STORE_RECONNECTS", "lots", 1);
  expect_one_line(error_of([&] { PostgresStore(server_->url(), "away", SweepStore::Open::kExisting); }),
                  "FREELUNCH_STORE_RECONNECTS = 'lots': expected a number of reconnection attempts, 0 to 100");
  unsetenv("FREELUNCH_STORE_RECONNECTS");
}

}  // namespace
}  // namespace fl
