// A thin RAII layer over libpq: a connection (from a postgresql:// URL), statements run with
// PQexecParams only — every value a parameter in text form, never spliced into the SQL — and
// transactions rolled back unless committed. Every failure is an fl::Error naming the server by
// its URL without the password, with the server's (or libpq's) message on one line; losing the
// connection (server shut down, restarted, unreachable) is a PgConnectionLost, which a caller
// may retry on a new connection.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

struct pg_conn;
struct pg_result;

namespace fl {

struct PgConnectionLost : Error {
  using Error::Error;
};

// A statement parameter in PostgreSQL's text form; nullopt is NULL.
using PgParam = std::optional<std::string>;
PgParam pg_param(int64_t value);
inline PgParam pg_param(int value) { return pg_param(static_cast<int64_t>(value)); }
PgParam pg_param(double value);  // round-trips exactly
inline PgParam pg_param(const std::string& value) { return value; }
inline PgParam pg_param(const char* value) { return std::string(value); }
inline PgParam pg_param(std::nullptr_t) { return std::nullopt; }
template <class T>
PgParam pg_param(const std::optional<T>& value) {
  return value ? pg_param(*value) : std::nullopt;
}
template <class... Args>
std::vector<PgParam> pg_params(const Args&... args) {
  return {pg_param(args)...};
}
// A text[] literal for `= ANY($1::text[])` or unnest: {"a","b"} with quotes and backslashes escaped.
std::string pg_text_array(const std::vector<std::string>& values);

class PgResult {
 public:
  explicit PgResult(pg_result* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  PgResult& operator=(PgResult&&) = delete;

  int rows() const;
  int64_t affected() const;  // rows an INSERT/UPDATE/DELETE changed
  // Rows and columns are numbered from 0.
  bool is_null(int row, int column) const;
  std::string get_text(int row, int column) const;  // "" for NULL
  int64_t get_int(int row, int column) const;
  double get_double(int row, int column) const;
  std::optional<int64_t> get_optional_int(int row, int column) const;
  std::optional<double> get_optional_double(int row, int column) const;

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  // Connects (connect_timeout 10 s unless the URL sets one). fl::Error for a URL libpq cannot
  // parse; PgConnectionLost when the server cannot be reached or refuses the connection.
  explicit PgConnection(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  PgResult exec(const std::string& sql, const std::vector<PgParam>& params = {});
  const std::string& name() const { return name_; }  // the URL without its password

 private:
  [[noreturn]] void fail(const std::string& message, bool lost) const;

  pg_conn* conn_ = nullptr;
  std::string url_, name_;
};

// BEGIN … COMMIT; rolled back when destroyed before commit() (an exception).
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& db);
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  void commit();

 private:
  PgConnection& db_;
  bool open_ = true;
};

}  // namespace fl
