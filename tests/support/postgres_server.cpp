#include "support/postgres_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "core/atomic_file.h"
#include "core/subprocess.h"

namespace fl::test_support {

namespace fs = std::filesystem;

namespace {

const fs::path kBin = "/usr/lib/postgresql/15/bin";

// A port no one listens on now (the kernel's choice for port 0; taken again only by a race).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  if (fd >= 0) close(fd);
  if (!ok) throw std::runtime_error("PostgresServer: no free port on 127.0.0.1");
  return ntohs(address.sin_port);
}

// As root the server must run as an unprivileged user (PostgreSQL refuses root).
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

ChildResult run(const std::vector<std::string>& argv, const std::string& what, bool as_server = true) {
  ChildResult r;
  try {
    r = run_child(as_server ? as_server_user(argv) : argv);
  } catch (const std::exception& e) {
    throw std::runtime_error("PostgresServer: " + what + ": " + e.what());
  }
  if (r.exit_code != 0)
    throw std::runtime_error("PostgresServer: " + what + " failed (exit " + std::to_string(r.exit_code) + "): " +
                             r.err + r.out);
  return r;
}

std::string tail(const fs::path& file) {
  try {
    const std::string text = read_file(file);
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  } catch (const std::exception&) {
    return "(no log)";
  }
}

}  // namespace

PostgresServer::PostgresServer() {
  static std::atomic<int> counter{0};
  dir_ = fs::temp_directory_path() / ("freelunch-pg-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(dir_);
  fs::create_directories(dir_ / "sock");
  password_ = "pw-" + std::to_string(getpid()) + "-secret";
  if (geteuid() == 0) run({"chown", "-R", "postgres:postgres", dir_.string()}, "chown", /*as_server=*/false);
  // Local (socket) connections trust the OS user; TCP connections need a password.
  run({(kBin / "initdb").string(), "-D", (dir_ / "data").string(), "-U", "postgres", "--auth-local=trust",
       "--auth-host=scram-sha-256", "--no-sync", "--no-instructions"},
      "initdb");
  try {
    for (int tries = 0;; ++tries) {  // another process may take the free port first
      port_ = free_port();
      try {
        start();
        break;
      } catch (const std::runtime_error&) {
        if (tries == 2) throw;
      }
    }
    psql("CREATE ROLE freelunch LOGIN PASSWORD '" + password_ + "'", "postgres");
    psql("CREATE DATABASE lab OWNER freelunch", "postgres");
  } catch (...) {
    shut_down();
    throw;
  }
  // The password file (owner-only, or libpq ignores it): host:port:database:user:password.
  write_file_atomic(dir_ / "pgpass", "127.0.0.1:" + std::to_string(port_) + ":lab:freelunch:" + password_ + "\n");
  fs::permissions(dir_ / "pgpass", fs::perms::owner_read | fs::perms::owner_write);
}

PostgresServer::~PostgresServer() { shut_down(); }

void PostgresServer::shut_down() noexcept {
  if (running_) {
    try {
      pg_ctl({"-m", "immediate", "stop"});
    } catch (const std::exception&) {
    }
  }
  running_ = false;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string PostgresServer::url() const {
  return "postgresql://freelunch@127.0.0.1:" + std::to_string(port_) + "/lab?passfile=" + (dir_ / "pgpass").string();
}

void PostgresServer::pg_ctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {(kBin / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-w", "-t", "60"};
  argv.insert(argv.end(), args.begin(), args.end());
  run(argv, "pg_ctl " + args.back());
}

void PostgresServer::start() {
  try {
    pg_ctl({"-l", (dir_ / "server.log").string(), "-o",
            "-p " + std::to_string(port_) + " -k " + (dir_ / "sock").string() +
                " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
            "start"});
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string(e.what()) + "\nserver log:\n" + tail(dir_ / "server.log"));
  }
  running_ = true;
}

void PostgresServer::stop() {
  pg_ctl({"-m", "fast", "stop"});
  running_ = false;
}

std::string PostgresServer::psql(const std::string& sql, const std::string& database) const {
  return run({(kBin / "psql").string(), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", (dir_ / "sock").string(), "-p",
              std::to_string(port_), "-U", "postgres", "-d", database, "-c", sql},
             "psql")
      .out;
}

}  // namespace fl::test_support
