#include "experiments/sweep_store.h"

#include <chrono>

#include "core/error.h"
#include "experiments/postgres_store.h"
#include "experiments/postgres_url.h"
#include "experiments/results_store.h"

namespace fl {

const char* status_name(CellStatus status) {
  switch (status) {
    case CellStatus::kQueued: return "queued";
    case CellStatus::kRunning: return "running";
    case CellStatus::kDone: return "done";
    case CellStatus::kFailed: return "failed";
  }
  return "?";
}

CellStatus parse_status(const std::string& name) {
  for (auto s : {CellStatus::kQueued, CellStatus::kRunning, CellStatus::kDone, CellStatus::kFailed})
    if (name == status_name(s)) return s;
  throw Error("unknown cell status '" + name + "'");
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool holder_vanished(const WorkerId& holder, double heartbeat_at, const WorkerId& me, double now,
                     double lease_seconds) {
  return holder.host == me.host ? !holder.alive_here() : now - heartbeat_at > lease_seconds;
}

std::unique_ptr<SweepStore> open_sweep_store(const std::string& location, const std::string& sweep_name,
                                             SweepStore::Open mode) {
  if (is_postgres_url(location)) return std::make_unique<PostgresStore>(location, sweep_name, mode);
  return std::make_unique<ResultsStore>(std::filesystem::path(location) / ResultsStore::kFileName, mode);
}

bool sweep_store_exists(const std::string& location, const std::string& sweep_name) {
  if (is_postgres_url(location)) return PostgresStore::exists(location, sweep_name);
  return std::filesystem::is_regular_file(std::filesystem::path(location) / ResultsStore::kFileName);
}

}  // namespace fl
