#include "experiments/results_store.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/sqlite_db.h"

namespace fl {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cells (
  hash          TEXT PRIMARY KEY,
  ordinal       INTEGER NOT NULL,
  variant       TEXT NOT NULL,
  config        TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  host          TEXT,
  pid           INTEGER,
  pid_start     INTEGER,
  started_at    REAL,
  heartbeat_at  REAL,
  finished_at   REAL,
  error         TEXT,
  metrics       TEXT,
  final_loss    REAL,
  accuracy      REAL,
  accuracy_gen  REAL,
  parameters    INTEGER,
  state_bytes   INTEGER,
  tokens_per_s  REAL,
  train_seconds REAL,
  wall_seconds  REAL,
  threads       INTEGER
);
)sql";

// The holder's identity and claim token, the condition of every update by a worker.
constexpr const char* kHeldBy = " WHERE hash = ? AND status = 'running' AND host = ? AND pid = ? AND attempts = ?";

Json parse_json_column(const std::string& text, const SqliteDb& db, const std::string& hash, const char* column) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  require(!j.is_discarded(), db.name() + ": cell " + hash + " has a corrupted " + column + " column");
  return j;
}

// Empty text as SQL NULL (CellRow reads NULL text as "").
std::optional<std::string> text_or_null(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

SqliteDb::Open db_mode(ResultsStore::Open mode) {
  return mode == ResultsStore::Open::kReadOnly ? SqliteDb::Open::kReadOnly : SqliteDb::Open::kExisting;
}

// fl::Error unless `db` holds the tables of a results database of this schema version, read
// without writing anything. `advice` ends the message for a damaged file.
void check_results_database(SqliteDb& db, const std::filesystem::path& file, const std::string& advice) {
  const std::string damaged = db.name() + ": not a freelunch results database (damaged?)" + advice;
  std::error_code ec;
  require(std::filesystem::file_size(file, ec) > 0 || ec,
          db.name() + ": an empty file, not a freelunch results database (damaged?)" + advice);
  try {
    SqliteStatement tables(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'cells')");
    require(tables.step() && tables.get_int(0) == 2, damaged);
  } catch (const Error&) {  // "file is not a database" and other SQLite errors of a damaged file
    throw Error(damaged);
  }
  SqliteStatement version(db, "SELECT value FROM meta WHERE key = 'schema_version'");
  const std::string found = version.step() ? version.get_text(0) : "(none)";
  require(found == std::to_string(ResultsStore::kSchemaVersion),
          db.name() + ": results schema version " + found + ", this freelunch reads version " +
              std::to_string(ResultsStore::kSchemaVersion));
}

}  // namespace

std::string ResultsStore::database_bytes(const std::vector<CellRow>& rows) {
  SqliteDb db(":memory:", SqliteDb::Open::kCreate, 0);
  db.exec(kSchema);
  SqliteStatement(db, "INSERT INTO meta (key, value) VALUES ('schema_version', ?)")
      .bind_all(std::to_string(kSchemaVersion))
      .run();
  SqliteStatement insert(db,
                         "INSERT INTO cells (hash, ordinal, variant, config, status, attempts, host, pid, started_at, "
                         "heartbeat_at, finished_at, error, metrics, final_loss, accuracy, accuracy_gen, parameters, "
                         "state_bytes, tokens_per_s, train_seconds, wall_seconds, threads) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& r : rows) {
    insert.reset();
    insert
        .bind_all(r.hash, r.ordinal, r.variant, r.config.dump(), status_name(r.status), r.attempts,
                  text_or_null(r.host), r.pid, r.started_at, r.heartbeat_at, r.finished_at, text_or_null(r.error),
                  r.metrics.is_null() ? std::nullopt : std::optional<std::string>(r.metrics.dump()), r.final_loss,
                  r.accuracy, r.accuracy_gen, r.parameters, r.state_bytes, r.tokens_per_s, r.train_seconds,
                  r.wall_seconds, r.threads)
        .run();
  }
  return db.serialize();
}

ResultsStore::ResultsStore(const std::filesystem::path& file, Open mode, int busy_timeout_ms) {
  if (mode == Open::kCreate && !std::filesystem::exists(std::filesystem::symlink_status(file)))
    create_file_atomic(file, database_bytes({}));  // false: another process was first, as good
  db_ = std::make_unique<SqliteDb>(file, db_mode(mode), busy_timeout_ms);
  check_results_database(*db_, file, mode == Open::kReadOnly ? "" : "; nothing was run: move it away to start afresh");
  if (mode == Open::kReadOnly) return;
  // WAL: readers (progress, `results`) never block the workers' writes. FULL: a committed
  // claim or result survives a power cut, not only a killed process.
  db_->exec("PRAGMA journal_mode = WAL");
  db_->exec("PRAGMA synchronous = FULL");
}

ResultsStore::~ResultsStore() = default;

QueueCounts ResultsStore::enqueue(const std::vector<SweepCell>& cells, bool requeue_failed) {
  QueueCounts counts;
  SqliteTransaction tx(*db_);
  SqliteStatement find(*db_, "SELECT status FROM cells WHERE hash = ?");
  SqliteStatement insert(*db_, "INSERT INTO cells (hash, ordinal, variant, config) VALUES (?, ?, ?, ?)");
  SqliteStatement update(*db_, "UPDATE cells SET ordinal = ?, variant = ? WHERE hash = ?");
  SqliteStatement requeue(*db_,
                          "UPDATE cells SET status = 'queued', error = NULL, finished_at = NULL "
                          "WHERE hash = ? AND status = 'failed'");
  for (const auto& cell : cells) {
    const auto ordinal = cell.ordinal;
    find.reset();
    if (!find.bind_all(cell.hash).step()) {
      insert.reset();
      insert.bind_all(cell.hash, ordinal, cell.variant, cell.config.dump()).run();
      ++counts.added;
      continue;
    }
    update.reset();
    update.bind_all(ordinal, cell.variant, cell.hash).run();
    if (requeue_failed) {
      requeue.reset();
      requeue.bind_all(cell.hash).run();
      counts.requeued += db_->changes();
    }
  }
  tx.commit();
  return counts;
}

std::optional<Claim> ResultsStore::claim_next(const std::unordered_set<std::string>& allowed, const WorkerId& me,
                                              double now, double lease_seconds) {
  SqliteTransaction tx(*db_);
  std::optional<Claim> claim;
  {
    SqliteStatement q(*db_,
                      "SELECT hash, status, host, pid, pid_start, heartbeat_at, attempts, config FROM cells "
                      "WHERE status IN ('queued', 'running') ORDER BY ordinal, hash");
    while (!claim && q.step()) {
      const std::string hash = q.get_text(0);
      if (!allowed.count(hash)) continue;
      if (q.get_text(1) == "running") {
        const WorkerId holder{q.get_text(2), q.get_int(3), q.get_int(4)};
        if (!holder_vanished(holder, q.get_double(5), me, now, lease_seconds)) continue;
      }
      claim = Claim{hash, parse_json_column(q.get_text(7), *db_, hash, "config"), q.get_int(6) + 1};
    }
  }
  if (claim) {
    SqliteStatement(*db_,
                    "UPDATE cells SET status = 'running', attempts = ?, host = ?, pid = ?, pid_start = ?, "
                    "started_at = ?, heartbeat_at = ?, finished_at = NULL, error = NULL WHERE hash = ?")
        .bind_all(claim->attempt, me.host, me.pid, me.start_ticks, now, now, claim->hash)
        .run();
  }
  tx.commit();
  return claim;
}

bool ResultsStore::heartbeat(const Claim& claim, const WorkerId& me, double now) {
  SqliteStatement(*db_, std::string("UPDATE cells SET heartbeat_at = ?") + kHeldBy)
      .bind_all(now, claim.hash, me.host, me.pid, claim.attempt)
      .run();
  return db_->changes() == 1;
}

bool ResultsStore::finish_done(const Claim& claim, const WorkerId& me, const CellResult& r, double now) {
  SqliteStatement(*db_, std::string("UPDATE cells SET status = 'done', finished_at = ?, heartbeat_at = ?, "
                                    "error = NULL, metrics = ?, final_loss = ?, accuracy = ?, accuracy_gen = ?, "
                                    "parameters = ?, state_bytes = ?, tokens_per_s = ?, train_seconds = ?, "
                                    "wall_seconds = ?, threads = ?") +
                            kHeldBy)
      .bind_all(now, now, r.metrics.dump(), r.final_loss, r.accuracy,
                r.accuracy_gen < 0 ? std::optional<double>() : std::optional<double>(r.accuracy_gen), r.parameters,
                r.state_bytes, r.tokens_per_s, r.train_seconds, r.wall_seconds, r.threads, claim.hash, me.host,
                me.pid, claim.attempt)
      .run();
  return db_->changes() == 1;
}

bool ResultsStore::finish_failed(const Claim& claim, const WorkerId& me, const std::string& error, double now) {
  SqliteStatement(*db_,
                  std::string("UPDATE cells SET status = 'failed', finished_at = ?, heartbeat_at = ?, error = ?") +
                      kHeldBy)
      .bind_all(now, now, error, claim.hash, me.host, me.pid, claim.attempt)
      .run();
  return db_->changes() == 1;
}

std::vector<CellRow> ResultsStore::rows() {
  SqliteStatement q(*db_,
                    "SELECT hash, variant, ordinal, config, status, attempts, host, error, pid, parameters, "
                    "state_bytes, threads, started_at, heartbeat_at, finished_at, final_loss, accuracy, "
                    "accuracy_gen, tokens_per_s, train_seconds, wall_seconds, metrics "
                    "FROM cells ORDER BY ordinal, hash");
  std::vector<CellRow> rows;
  while (q.step()) {
    CellRow r;
    r.hash = q.get_text(0), r.variant = q.get_text(1), r.ordinal = q.get_int(2);
    r.config = parse_json_column(q.get_text(3), *db_, r.hash, "config");
    r.status = parse_status(q.get_text(4));
    r.attempts = q.get_int(5), r.host = q.get_text(6), r.error = q.get_text(7);
    r.pid = q.get_optional_int(8), r.parameters = q.get_optional_int(9), r.state_bytes = q.get_optional_int(10);
    r.threads = q.get_optional_int(11);
    r.started_at = q.get_optional_double(12), r.heartbeat_at = q.get_optional_double(13);
    r.finished_at = q.get_optional_double(14), r.final_loss = q.get_optional_double(15);
    r.accuracy = q.get_optional_double(16), r.accuracy_gen = q.get_optional_double(17);
    r.tokens_per_s = q.get_optional_double(18), r.train_seconds = q.get_optional_double(19);
    r.wall_seconds = q.get_optional_double(20);
    if (!q.is_null(21)) r.metrics = parse_json_column(q.get_text(21), *db_, r.hash, "metrics");
    rows.push_back(std::move(r));
  }
  return rows;
}

std::map<std::string, CellStatus> ResultsStore::statuses() {
  SqliteStatement q(*db_, "SELECT hash, status FROM cells");
  std::map<std::string, CellStatus> out;
  while (q.step()) out[q.get_text(0)] = parse_status(q.get_text(1));
  return out;
}

}  // namespace fl
