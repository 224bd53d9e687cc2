#include "experiments/postgres_db.h"

#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>

#include "experiments/postgres_url.h"

namespace fl {

namespace {

// libpq's and the server's messages on one line: "connection … failed: Connection refused\n\tIs
// the server running …?\n" → "connection … failed: Connection refused; Is the server running …?".
std::string one_line(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::string out;
  for (size_t i = 0; i < message.size(); ++i) {
    if (message[i] != '\n') {
      out += message[i];
      continue;
    }
    while (i + 1 < message.size() && (message[i + 1] == '\t' || message[i + 1] == ' ')) ++i;
    out += "; ";
  }
  return out;
}

// SQLSTATE classes of a connection that is gone: 08 connection exceptions, 57P01–57P03 (the
// server shutting down, crashed, or not yet accepting connections).
bool connection_lost(const char* sqlstate) {
  if (sqlstate == nullptr) return false;
  const std::string s = sqlstate;
  return s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" || s == "57P03";
}

void ignore_notice(void*, const char*) {}  // "schema … already exists, skipping" and the like

}  // namespace

PgParam pg_param(int64_t value) { return std::to_string(value); }

PgParam pg_param(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return std::string(text);
}

std::string pg_text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    out += i == 0 ? "\"" : ",\"";
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

PgResult::~PgResult() { PQclear(result_); }
int PgResult::rows() const { return PQntuples(result_); }
int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(result_);
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}
bool PgResult::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
std::string PgResult::get_text(int row, int column) const {
  return is_null(row, column) ? "" : std::string(PQgetvalue(result_, row, column), PQgetlength(result_, row, column));
}
int64_t PgResult::get_int(int row, int column) const {
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}
double PgResult::get_double(int row, int column) const { return std::strtod(PQgetvalue(result_, row, column), nullptr); }
std::optional<int64_t> PgResult::get_optional_int(int row, int column) const {
  return is_null(row, column) ? std::nullopt : std::optional<int64_t>(get_int(row, column));
}
std::optional<double> PgResult::get_optional_double(int row, int column) const {
  return is_null(row, column) ? std::nullopt : std::optional<double>(get_double(row, column));
}

PgConnection::PgConnection(const std::string& url) : url_(url), name_(redacted_url(url)) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    const std::string message = parse_error ? one_line(parse_error) : "out of memory";
    PQfreemem(parse_error);
    throw Error(name_ + ": not a valid PostgreSQL URL: " + without_password(message, url_));
  }
  PQconninfoFree(options);
  // The URL's own settings come last, so they win over these defaults.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "freelunch", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) throw Error(name_ + ": cannot connect: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgConnectionLost(name_ + ": cannot connect: " + without_password(one_line(message), url_));
  }
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
}

PgConnection::~PgConnection() { PQfinish(conn_); }

void PgConnection::fail(const std::string& message, bool lost) const {
  const std::string text = name_ + ": " + without_password(one_line(message), url_);
  if (lost) throw PgConnectionLost(text);
  throw Error(text);
}

PgResult PgConnection::exec(const std::string& sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  // Null only when the statement could not even be sent.
  pg_result* raw = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                nullptr, /*resultFormat: text*/ 0);
  PgResult owned(raw);
  const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return owned;
  const bool lost = PQstatus(conn_) == CONNECTION_BAD ||
                    (raw != nullptr && connection_lost(PQresultErrorField(raw, PG_DIAG_SQLSTATE)));
  const char* message = raw ? PQresultErrorMessage(raw) : "";
  fail(message && *message ? message : PQerrorMessage(conn_), lost);
}

PgTransaction::PgTransaction(PgConnection& db) : db_(db) { db_.exec("BEGIN"); }

PgTransaction::~PgTransaction() {
  if (!open_) return;
  try {
    db_.exec("ROLLBACK");
  } catch (const Error&) {  // the connection is gone: the server has rolled it back already
  }
}

void PgTransaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace fl
