// A thin RAII layer over the SQLite C API: a connection (with a busy timeout, so concurrent
// writers wait instead of failing), prepared statements with typed binds and columns, and
// write transactions taken with BEGIN IMMEDIATE (the write lock is held from the first
// statement, so a read-then-update inside one is atomic across processes). Every failure is an
// fl::Error naming the database file and SQLite's message.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace fl {

class SqliteDb {
 public:
  // kReadOnly: an existing file, never written (also in a directory or file this user cannot
  // write: a WAL database there is opened immutable); kExisting: an existing file, read and
  // written; kCreate: created if missing. An existing file must be a regular file.
  enum class Open { kReadOnly, kExisting, kCreate };
  SqliteDb(const std::filesystem::path& file, Open mode, int busy_timeout_ms);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(const std::string& sql);  // statements without results
  int64_t changes() const;            // rows changed by the last statement
  [[noreturn]] void fail(const std::string& what) const;
  sqlite3* handle() const { return db_; }
  const std::string& name() const { return name_; }
  // The whole database as the bytes of a database file (sqlite3_serialize).
  std::string serialize() const;

 private:
  sqlite3* db_ = nullptr;
  std::string name_;
};

class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, const std::string& sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are numbered from 1, as in SQL's "?".
  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  SqliteStatement& bind(int index, double value);
  SqliteStatement& bind(int index, const std::string& value);
  SqliteStatement& bind(int index, const char* value) { return bind(index, std::string(value)); }
  SqliteStatement& bind(int index, std::nullptr_t);
  template <class T>
  SqliteStatement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, nullptr);
  }
  template <class... Args>
  SqliteStatement& bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  bool step();     // true: a row is ready; false: the statement is done
  void run();      // steps a statement that returns no rows
  void reset();    // ready to run again with new bindings
  // Columns are numbered from 0.
  bool is_null(int column) const;
  int64_t get_int(int column) const;
  double get_double(int column) const;
  std::string get_text(int column) const;  // "" for NULL
  std::optional<int64_t> get_optional_int(int column) const;
  std::optional<double> get_optional_double(int column) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE … COMMIT; rolled back when destroyed before commit() (an exception).
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  void commit();

 private:
  SqliteDb& db_;
  bool open_ = true;
};

}  // namespace fl
