#include "experiments/postgres_store.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/error.h"
#include "experiments/postgres_db.h"
#include "experiments/postgres_url.h"

namespace fl {

namespace {

// The SQLite store's tables (results_store.cpp) in PostgreSQL's types: one statement each, as
// PQexecParams runs one statement at a time.
constexpr const char* kCreateTables[] = {
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    R"sql(CREATE TABLE cells (
  hash          TEXT PRIMARY KEY,
  ordinal       BIGINT NOT NULL,
  variant       TEXT NOT NULL,
  config        TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts      BIGINT NOT NULL DEFAULT 0,
  host          TEXT,
  pid           BIGINT,
  pid_start     BIGINT,
  started_at    DOUBLE PRECISION,
  heartbeat_at  DOUBLE PRECISION,
  finished_at   DOUBLE PRECISION,
  error         TEXT,
  metrics       TEXT,
  final_loss    DOUBLE PRECISION,
  accuracy      DOUBLE PRECISION,
  accuracy_gen  DOUBLE PRECISION,
  parameters    BIGINT,
  state_bytes   BIGINT,
  tokens_per_s  DOUBLE PRECISION,
  train_seconds DOUBLE PRECISION,
  wall_seconds  DOUBLE PRECISION,
  threads       BIGINT
))sql",
};

constexpr size_t kMaxIdentifierBytes = 63;  // PostgreSQL's NAMEDATALEN - 1

// The holder's identity and claim token, the condition of every update by a worker.
constexpr const char* kHeldBy = " WHERE hash = $1 AND status = 'running' AND host = $2 AND pid = $3 AND attempts = $4";

std::string quoted_identifier(const std::string& name) {
  std::string out = "\"";
  for (const char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int reconnects_from_environment() {
  const char* text = std::getenv("FREELUNCH_STORE_RECONNECTS");
  if (text == nullptr || *text == '\0') return PostgresStore::kDefaultReconnects;
  const std::string value = text;
  const bool digits = value.size() <= 3 && value.find_first_not_of("0123456789") == std::string::npos;
  require(digits && std::stoi(value) <= 100,
          "FREELUNCH_STORE_RECONNECTS = '" + value + "': expected a number of reconnection attempts, 0 to 100");
  return std::stoi(value);
}

double backoff_seconds(int attempt) { return std::min(8.0, 0.5 * (1 << std::min(attempt, 5))); }  // attempt from 0

Json parse_json_column(const std::string& text, const std::string& where, const std::string& hash,
                       const char* column) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  require(!j.is_discarded(), where + ": cell " + hash + " has a corrupted " + column + " column");
  return j;
}

}  // namespace

PostgresStore::PostgresStore(const std::string& url, const std::string& sweep_name, Open mode, int reconnects)
    : url_(url), name_(redacted_url(url) + " sweep " + sweep_name), schema_(kSchemaPrefix + sweep_name),
      read_only_(mode == Open::kReadOnly), reconnects_(reconnects >= 0 ? reconnects : reconnects_from_environment()) {
  require(!sweep_name.empty(), redacted_url(url) + ": no sweep name given");
  require(schema_.size() <= kMaxIdentifierBytes,
          name_ + ": the name is too long for a PostgreSQL schema (" + std::to_string(schema_.size()) + " bytes with '" +
              kSchemaPrefix + "', at most " + std::to_string(kMaxIdentifierBytes) + ")");
  connect();
  if (mode == Open::kCreate) create_schema();
  check_schema();
}

PostgresStore::~PostgresStore() = default;

bool PostgresStore::exists(const std::string& url, const std::string& sweep_name) {
  return PgConnection(url)
             .exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", pg_params(kSchemaPrefix + sweep_name))
             .rows() > 0;
}

void PostgresStore::connect() {
  db_.reset();
  auto db = std::make_unique<PgConnection>(url_);
  db->exec("SELECT set_config('search_path', $1, false)", pg_params(quoted_identifier(schema_)));
  if (read_only_) db->exec("SET default_transaction_read_only = on");
  db_ = std::move(db);
}

void PostgresStore::create_schema() {
  PgTransaction tx(*db_);
  // Workers starting together: one creates the schema, the others wait here and find it.
  db_->exec("SELECT pg_advisory_xact_lock(hashtext($1))", pg_params(schema_));
  if (db_->exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", pg_params(schema_)).rows() == 0) {
    db_->exec("CREATE SCHEMA " + quoted_identifier(schema_));
    for (const char* statement : kCreateTables) db_->exec(statement);
    db_->exec("INSERT INTO meta (key, value) VALUES ('schema_version', $1)",
              pg_params(std::to_string(kSchemaVersion)));
  }
  tx.commit();
}

void PostgresStore::check_schema() {
  if (db_->exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", pg_params(schema_)).rows() == 0) {
    const auto sweeps = db_->exec("SELECT substr(nspname, $1) FROM pg_namespace WHERE starts_with(nspname, $2) "
                                  "ORDER BY 1",
                                  pg_params(static_cast<int64_t>(std::string(kSchemaPrefix).size() + 1),
                                            std::string(kSchemaPrefix)));
    std::string names;
    for (int i = 0; i < sweeps.rows(); ++i) names += (i ? ", " : "") + sweeps.get_text(i, 0);
    throw Error(name_ + ": no such sweep in the database (" + (names.empty() ? "it holds none" : "it holds: " + names) +
                ")");
  }
  const auto tables = db_->exec(
      "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename IN ('meta', 'cells')", pg_params(schema_));
  require(tables.get_int(0, 0) == 2, name_ + ": schema \"" + schema_ + "\" is not a freelunch sweep store");
  const auto version = db_->exec("SELECT value FROM meta WHERE key = 'schema_version'");
  const std::string found = version.rows() > 0 ? version.get_text(0, 0) : "(none)";
  require(found == std::to_string(kSchemaVersion), name_ + ": results schema version " + found +
                                                       ", this freelunch reads version " +
                                                       std::to_string(kSchemaVersion));
}

template <class Work>
auto PostgresStore::with_reconnect(Work&& work) {
  double waited = 0;
  for (int attempt = 0;; ++attempt) {
    try {
      if (!db_) connect();
      return work(*db_);
    } catch (const PgConnectionLost& lost) {
      db_.reset();
      if (attempt >= reconnects_)
        throw Error("lost the connection to the sweep store; " + std::to_string(reconnects_) +
                    " reconnection attempts over " + std::to_string(static_cast<int>(waited + 0.5)) +
                    " s failed (FREELUNCH_STORE_RECONNECTS); rerun to continue: " + lost.what());
      const double pause = backoff_seconds(attempt);
      std::this_thread::sleep_for(std::chrono::duration<double>(pause));
      waited += pause;
    }
  }
}

QueueCounts PostgresStore::enqueue(const std::vector<SweepCell>& cells, bool requeue_failed) {
  std::vector<std::string> hashes, ordinals, variants, configs;
  for (size_t i = 0; i < cells.size(); ++i) {
    hashes.push_back(cells[i].hash), ordinals.push_back(std::to_string(cells[i].ordinal));
    variants.push_back(cells[i].variant), configs.push_back(cells[i].config.dump());
  }
  const auto hash_array = pg_text_array(hashes), ordinal_array = pg_text_array(ordinals);
  const auto variant_array = pg_text_array(variants), config_array = pg_text_array(configs);
  return with_reconnect([&](PgConnection& db) {
    QueueCounts counts;
    PgTransaction tx(db);
    db.exec("SELECT pg_advisory_xact_lock(hashtext($1))", pg_params(schema_));  // one enqueuer at a time
    counts.added = db.exec("INSERT INTO cells (hash, ordinal, variant, config) "
                           "SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) "
                           "ON CONFLICT (hash) DO NOTHING",
                           pg_params(hash_array, ordinal_array, variant_array, config_array))
                       .affected();
    db.exec("UPDATE cells SET ordinal = u.ordinal, variant = u.variant "
            "FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u(hash, ordinal, variant) "
            "WHERE cells.hash = u.hash AND (cells.ordinal, cells.variant) IS DISTINCT FROM (u.ordinal, u.variant)",
            pg_params(hash_array, ordinal_array, variant_array));
    if (requeue_failed)
      counts.requeued = db.exec("UPDATE cells SET status = 'queued', error = NULL, finished_at = NULL "
                                "WHERE status = 'failed' AND hash = ANY($1::text[])",
                                pg_params(hash_array))
                            .affected();
    tx.commit();
    return counts;
  });
}

std::optional<Claim> PostgresStore::claim_next(const std::unordered_set<std::string>& allowed, const WorkerId& me,
                                               double now, double lease_seconds) {
  return with_reconnect([&](PgConnection& db) -> std::optional<Claim> {
    PgTransaction tx(db);
    const auto candidates = db.exec(
        "SELECT hash, status, host, pid, pid_start, heartbeat_at, attempts FROM cells "
        "WHERE status IN ('queued', 'running') ORDER BY ordinal, hash");
    for (int i = 0; i < candidates.rows(); ++i) {
      const std::string hash = candidates.get_text(i, 0), status = candidates.get_text(i, 1);
      if (!allowed.count(hash)) continue;
      if (status == "running") {
        const WorkerId holder{candidates.get_text(i, 2), candidates.get_int(i, 3), candidates.get_int(i, 4)};
        if (!holder_vanished(holder, candidates.get_double(i, 5), me, now, lease_seconds)) continue;
      }
      const int64_t attempts = candidates.get_int(i, 6);
      // Locked here, or skipped: another worker is taking it, or took it since the scan.
      const auto row = db.exec("SELECT config FROM cells WHERE hash = $1 AND status = $2 AND attempts = $3 "
                               "FOR UPDATE SKIP LOCKED",
                               pg_params(hash, status, attempts));
      if (row.rows() == 0) continue;
      Claim claim{hash, parse_json_column(row.get_text(0, 0), name_, hash, "config"), attempts + 1};
      db.exec("UPDATE cells SET status = 'running', attempts = $1, host = $2, pid = $3, pid_start = $4, "
              "started_at = $5, heartbeat_at = $5, finished_at = NULL, error = NULL WHERE hash = $6",
              pg_params(claim.attempt, me.host, me.pid, me.start_ticks, now, hash));
      tx.commit();
      return claim;
    }
    tx.commit();
    return std::nullopt;
  });
}

bool PostgresStore::heartbeat(const Claim& claim, const WorkerId& me, double now) {
  return with_reconnect([&](PgConnection& db) {
    return db.exec(std::string("UPDATE cells SET heartbeat_at = $5") + kHeldBy,
                   pg_params(claim.hash, me.host, me.pid, claim.attempt, now))
               .affected() == 1;
  });
}

bool PostgresStore::finish_done(const Claim& claim, const WorkerId& me, const CellResult& r, double now) {
  const auto gen = r.accuracy_gen < 0 ? std::optional<double>() : std::optional<double>(r.accuracy_gen);
  return with_reconnect([&](PgConnection& db) {
    return db.exec(std::string("UPDATE cells SET status = 'done', finished_at = $5, heartbeat_at = $5, error = NULL, "
                               "metrics = $6, final_loss = $7, accuracy = $8, accuracy_gen = $9, parameters = $10, "
                               "state_bytes = $11, tokens_per_s = $12, train_seconds = $13, wall_seconds = $14, "
                               "threads = $15") +
                       kHeldBy,
                   pg_params(claim.hash, me.host, me.pid, claim.attempt, now, r.metrics.dump(), r.final_loss,
                             r.accuracy, gen, r.parameters, r.state_bytes, r.tokens_per_s, r.train_seconds,
                             r.wall_seconds, r.threads))
               .affected() == 1;
  });
}

bool PostgresStore::finish_failed(const Claim& claim, const WorkerId& me, const std::string& error, double now) {
  return with_reconnect([&](PgConnection& db) {
    return db.exec(std::string("UPDATE cells SET status = 'failed', finished_at = $5, heartbeat_at = $5, error = $6") +
                       kHeldBy,
                   pg_params(claim.hash, me.host, me.pid, claim.attempt, now, error))
               .affected() == 1;
  });
}

std::vector<CellRow> PostgresStore::rows() {
  return with_reconnect([&](PgConnection& db) {
    const auto q = db.exec(
        "SELECT hash, variant, ordinal, config, status, attempts, host, error, pid, parameters, "
        "state_bytes, threads, started_at, heartbeat_at, finished_at, final_loss, accuracy, "
        "accuracy_gen, tokens_per_s, train_seconds, wall_seconds, metrics "
        "FROM cells ORDER BY ordinal, hash");
    std::vector<CellRow> rows;
    for (int i = 0; i < q.rows(); ++i) {
      CellRow r;
      r.hash = q.get_text(i, 0), r.variant = q.get_text(i, 1), r.ordinal = q.get_int(i, 2);
      r.config = parse_json_column(q.get_text(i, 3), name_, r.hash, "config");
      r.status = parse_status(q.get_text(i, 4));
      r.attempts = q.get_int(i, 5), r.host = q.get_text(i, 6), r.error = q.get_text(i, 7);
      r.pid = q.get_optional_int(i, 8), r.parameters = q.get_optional_int(i, 9);
      r.state_bytes = q.get_optional_int(i, 10), r.threads = q.get_optional_int(i, 11);
      r.started_at = q.get_optional_double(i, 12), r.heartbeat_at = q.get_optional_double(i, 13);
      r.finished_at = q.get_optional_double(i, 14), r.final_loss = q.get_optional_double(i, 15);
      r.accuracy = q.get_optional_double(i, 16), r.accuracy_gen = q.get_optional_double(i, 17);
      r.tokens_per_s = q.get_optional_double(i, 18), r.train_seconds = q.get_optional_double(i, 19);
      r.wall_seconds = q.get_optional_double(i, 20);
      if (!q.is_null(i, 21)) r.metrics = parse_json_column(q.get_text(i, 21), name_, r.hash, "metrics");
      rows.push_back(std::move(r));
    }
    return rows;
  });
}

std::map<std::string, CellStatus> PostgresStore::statuses() {
  return with_reconnect([&](PgConnection& db) {
    const auto q = db.exec("SELECT hash, status FROM cells");
    std::map<std::string, CellStatus> out;
    for (int i = 0; i < q.rows(); ++i) out[q.get_text(i, 0)] = parse_status(q.get_text(i, 1));
    return out;
  });
}

}  // namespace fl
