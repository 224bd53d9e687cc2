// The SQLite sweep store, the embedded default: one file (<sweep dir>/results.sqlite) holding
// one sweep (experiments/sweep_store.h). Claims happen inside BEGIN IMMEDIATE transactions (the
// write lock is held from the first statement), so two processes never claim the same cell.
// Schema: docs/SWEEPS.md.
#pragma once
#include <filesystem>
#include <memory>

#include "experiments/sweep_store.h"

namespace fl {

class SqliteDb;

class ResultsStore : public SweepStore {
 public:
  static constexpr const char* kFileName = "results.sqlite";

  // Opens the database: kReadOnly never writes it (`results`, reports; also in a read-only
  // directory); kExisting reads and writes; kCreate creates it first if there is no such file (a
  // complete database is linked into place, so another process never sees it half made).
  // fl::Error naming the file if it is not a freelunch results database of this schema version,
  // checked before anything is written: an empty or damaged file is never taken for a new one.
  ResultsStore(const std::filesystem::path& file, Open mode, int busy_timeout_ms = 60000);
  ~ResultsStore() override;

  QueueCounts enqueue(const std::vector<SweepCell>& cells, bool requeue_failed) override;

  std::optional<Claim> claim_next(const std::unordered_set<std::string>& allowed, const WorkerId& me, double now,
                                  double lease_seconds) override;
  bool heartbeat(const Claim& claim, const WorkerId& me, double now) override;
  bool finish_done(const Claim& claim, const WorkerId& me, const CellResult& result, double now) override;
  bool finish_failed(const Claim& claim, const WorkerId& me, const std::string& error, double now) override;

  std::vector<CellRow> rows() override;
  std::map<std::string, CellStatus> statuses() override;

  // The bytes of a results database file holding exactly `rows` (each as given, all columns; a
  // holder's pid_start, which CellRow does not carry, is left empty), ready for
  // write_file_atomic: how merged shard databases are written whole (results_merge.h), and how
  // a new, empty one is created.
  static std::string database_bytes(const std::vector<CellRow>& rows);

 private:
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace fl
