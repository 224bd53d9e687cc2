// A PostgreSQL 15 server of the test's own (Debian's postgresql-15): a cluster made by initdb in
// a temporary directory, run as the unprivileged `postgres` user when the tests run as root,
// listening on a free port of 127.0.0.1 (and a unix socket in that directory). It has a role
// `freelunch` whose password is only in a password file, and its database `lab`, as
// docs/SWEEPS.md sets one up. Stopped and removed when the object dies, also on a failed test.
// If the server cannot be made or started, the constructor throws std::runtime_error with the
// reason and the tail of the server's log: the test fails, it is never skipped.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace fl::test_support {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  // postgresql://freelunch@127.0.0.1:PORT/lab?passfile=… (the password from the file).
  std::string url() const;
  const std::string& password() const { return password_; }

  void stop();   // fast shutdown: connections are cut
  void start();  // again, on the same port
  // Runs SQL as the superuser over the unix socket; its output (psql -At). std::runtime_error on failure.
  std::string psql(const std::string& sql, const std::string& database = "lab") const;

 private:
  void pg_ctl(const std::vector<std::string>& args) const;
  void shut_down() noexcept;  // stops the server at once and removes its directory

  std::filesystem::path dir_;
  std::string password_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace fl::test_support
