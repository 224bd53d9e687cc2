#include "experiments/sqlite_db.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace fl {

// ---------------------------------------------------------------------------------------------
// SqliteDb

namespace {

// A file: URI for sqlite3_open_v2: the characters URIs reserve are percent-encoded.
std::string file_uri(const std::filesystem::path& file) {
  std::string uri = "file:";
  for (const char c : std::filesystem::absolute(file).string()) {
    if (c == '%' || c == '?' || c == '#') {
      char code[4];
      std::snprintf(code, sizeof code, "%%%02X", static_cast<unsigned char>(c));
      uri += code;
    } else {
      uri += c;
    }
  }
  return uri;
}

bool writable(const std::filesystem::path& path) { return ::access(path.c_str(), W_OK) == 0; }

std::filesystem::path directory_of(const std::filesystem::path& file) {
  return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

// Reading a WAL database needs its -shm file, which SQLite cannot create in a directory this
// user may not write; with no -wal file there is nothing outside the database file to read, and
// nobody can be writing it (a writer would need those files), so it is opened as immutable.
bool needs_immutable(const std::filesystem::path& file) {
  std::error_code ec;
  return !writable(directory_of(file)) && !std::filesystem::exists(file.string() + "-wal", ec) &&
         !std::filesystem::exists(file.string() + "-shm", ec);
}

}  // namespace

SqliteDb::SqliteDb(const std::filesystem::path& file, Open mode, int busy_timeout_ms) : name_(file.string()) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);  // follows symlinks
  if (mode != Open::kCreate || std::filesystem::exists(status)) {
    require(std::filesystem::exists(status), name_ + ": no such database file");
    require(std::filesystem::is_regular_file(status), name_ + ": not a regular file, so not a database");
  }
  // Read-only where this user could write: opened for writing but with query_only set, so the
  // last reader still removes the -wal and -shm files a WAL database needs (a read-only
  // connection would leave them behind).
  const bool read_only = mode == Open::kReadOnly && !(writable(file) && writable(directory_of(file)));
  std::string target = name_;
  int flags = SQLITE_OPEN_NOMUTEX;
  if (read_only) {
    target = file_uri(file) + "?mode=ro" + (needs_immutable(file) ? "&immutable=1" : "");
    flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
  } else {
    flags |= SQLITE_OPEN_READWRITE | (mode == Open::kCreate ? SQLITE_OPEN_CREATE : 0);
  }
  if (sqlite3_open_v2(target.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Error(name_ + ": cannot open database: " + message);
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  if (mode == Open::kReadOnly) exec("PRAGMA query_only = ON");
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

void SqliteDb::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    throw Error(name_ + ": " + text);
  }
}

int64_t SqliteDb::changes() const { return sqlite3_changes(db_); }

std::string SqliteDb::serialize() const {
  sqlite3_int64 size = 0;
  unsigned char* bytes = sqlite3_serialize(db_, "main", &size, 0);
  if (bytes == nullptr) fail("cannot serialize");
  std::string out(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
  sqlite3_free(bytes);
  return out;
}

void SqliteDb::fail(const std::string& what) const { throw Error(name_ + ": " + what + ": " + sqlite3_errmsg(db_)); }

// ---------------------------------------------------------------------------------------------
// SqliteStatement

SqliteStatement::SqliteStatement(SqliteDb& db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) db.fail("cannot prepare");
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.fail("bind");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, double value) {
  // SQLite stores NaN as NULL; say so explicitly.
  const int rc = std::isnan(value) ? sqlite3_bind_null(stmt_, index) : sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) db_.fail("bind");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, const std::string& value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    db_.fail("bind");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::nullptr_t) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_.fail("bind");
  return *this;
}

bool SqliteStatement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail("query failed");
}

void SqliteStatement::run() {
  if (step()) throw Error(db_.name() + ": statement returned rows unexpectedly");
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool SqliteStatement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
int64_t SqliteStatement::get_int(int column) const { return sqlite3_column_int64(stmt_, column); }
double SqliteStatement::get_double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string SqliteStatement::get_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

std::optional<int64_t> SqliteStatement::get_optional_int(int column) const {
  return is_null(column) ? std::nullopt : std::optional<int64_t>(get_int(column));
}

std::optional<double> SqliteStatement::get_optional_double(int column) const {
  return is_null(column) ? std::nullopt : std::optional<double>(get_double(column));
}

// ---------------------------------------------------------------------------------------------
// SqliteTransaction

SqliteTransaction::SqliteTransaction(SqliteDb& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

SqliteTransaction::~SqliteTransaction() {
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteTransaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace fl
