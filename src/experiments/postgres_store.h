// The PostgreSQL sweep store: the cells table of experiments/sweep_store.h in a PostgreSQL
// database that workers on any number of machines share. Each sweep lives in a schema of its
// own, "sweep:<name>", holding the same two tables as the SQLite store (meta with the schema
// version, cells), so several sweeps share one database. A claim is one transaction that locks
// the first claimable cell with SELECT … FOR UPDATE SKIP LOCKED (concurrent claimers skip the
// rows others are taking) and re-checks its status and attempts before taking it.
//
// A lost connection (the server restarted, the network dropped) is retried: the store
// reconnects up to `reconnects` times with exponential backoff (0.5 s, 1 s, … capped at 8 s)
// and runs the interrupted operation again (its transaction was rolled back by the server);
// then it gives up with one line. The first connection is not retried: a wrong URL or a server
// that is not there fails at once.
#pragma once
#include <memory>
#include <string>

#include "experiments/sweep_store.h"

namespace fl {

class PgConnection;

class PostgresStore : public SweepStore {
 public:
  static constexpr const char* kSchemaPrefix = "sweep:";
  static constexpr int kDefaultReconnects = 8;  // about 40 s of backoff in all

  // `url`: postgresql://…; `sweep_name`: the sweep (its schema is kSchemaPrefix + name).
  // kCreate creates the schema when it does not exist; a schema that exists must hold a
  // freelunch sweep of this schema version (fl::Error otherwise, before anything is written).
  // kReadOnly runs every transaction read-only. reconnects < 0: FREELUNCH_STORE_RECONNECTS if
  // set (fl::Error naming it if it is not a number 0–100), else kDefaultReconnects.
  PostgresStore(const std::string& url, const std::string& sweep_name, Open mode, int reconnects = -1);
  ~PostgresStore() override;

  // Whether the database has the sweep's schema (fl::Error if the server cannot be reached).
  static bool exists(const std::string& url, const std::string& sweep_name);

  QueueCounts enqueue(const std::vector<SweepCell>& cells, bool requeue_failed) override;
  std::optional<Claim> claim_next(const std::unordered_set<std::string>& allowed, const WorkerId& me, double now,
                                  double lease_seconds) override;
  bool heartbeat(const Claim& claim, const WorkerId& me, double now) override;
  bool finish_done(const Claim& claim, const WorkerId& me, const CellResult& result, double now) override;
  bool finish_failed(const Claim& claim, const WorkerId& me, const std::string& error, double now) override;
  std::vector<CellRow> rows() override;
  std::map<std::string, CellStatus> statuses() override;

  const std::string& schema() const { return schema_; }

 private:
  void connect();
  void create_schema();
  void check_schema();
  template <class Work>
  auto with_reconnect(Work&& work);

  std::string url_, name_, schema_;
  bool read_only_;
  int reconnects_;
  std::unique_ptr<PgConnection> db_;
};

}  // namespace fl
