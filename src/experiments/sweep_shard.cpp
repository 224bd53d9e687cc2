#include "experiments/sweep_shard.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <regex>

#include "core/error.h"
#include "experiments/results_store.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

uint64_t fmix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

fs::path shards_root(const fs::path& sweep_dir) { return sweep_dir / "shards"; }

// The shard a directory name "I-of-N" stands for; nullopt for any other name.
std::optional<Shard> shard_of_directory(const std::string& name) {
  static const std::regex pattern("([0-9]{1,6})-of-([0-9]{1,6})");
  std::smatch m;
  if (!std::regex_match(name, m, pattern)) return std::nullopt;
  return Shard{std::stoll(m[1]), std::stoll(m[2])};
}

}  // namespace

std::string Shard::label() const { return std::to_string(index) + "/" + std::to_string(count); }
std::string Shard::name() const { return std::to_string(index) + "-of-" + std::to_string(count); }

Shard parse_shard(const std::string& text, const std::string& flag) {
  static const std::regex pattern("([0-9]{1,9})/([0-9]{1,9})");
  std::smatch m;
  const std::string what = flag + " '" + text + "'";
  require(std::regex_match(text, m, pattern),
          what + ": expected I/N, shard I of N with 1 ≤ I ≤ N (e.g. " + flag + " 2/8)");
  const Shard shard{std::stoll(m[1]), std::stoll(m[2])};
  require(shard.count >= 1 && shard.count <= Shard::kMaxCount,
          what + ": the number of shards N must be between 1 and " + std::to_string(Shard::kMaxCount));
  require(shard.index >= 1 && shard.index <= shard.count,
          what + ": the shard I must be between 1 and N = " + std::to_string(shard.count) + " (shards count from 1)");
  return shard;
}

int64_t shard_of(const std::string& hash, int64_t count) {
  require(hash.size() == 16 && hash.find_first_not_of("0123456789abcdef") == std::string::npos,
          "'" + hash + "' is not a cell hash (16 hex digits)");
  return 1 + static_cast<int64_t>(fmix64(std::stoull(hash, nullptr, 16)) % static_cast<uint64_t>(count));
}

SweepSpec shard_spec(const SweepSpec& spec, const Shard& shard) {
  SweepSpec out;
  out.name = spec.name + " shard " + shard.label();
  std::copy_if(spec.cells.begin(), spec.cells.end(), std::back_inserter(out.cells),
               [&](const SweepCell& cell) { return shard_of(cell.hash, shard.count) == shard.index; });
  return out;
}

fs::path shard_dir(const fs::path& sweep_dir, const Shard& shard) { return shards_root(sweep_dir) / shard.name(); }
fs::path shard_database(const fs::path& sweep_dir, const Shard& shard) {
  return shard_dir(sweep_dir, shard) / ResultsStore::kFileName;
}

std::vector<fs::path> shard_databases(const fs::path& sweep_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(shards_root(sweep_dir), ec)) return out;
  for (const auto& entry : fs::directory_iterator(shards_root(sweep_dir), ec)) {
    const auto shard = shard_of_directory(entry.path().filename().string());
    if (shard && fs::exists(shard_database(sweep_dir, *shard), ec)) out.push_back(shard_database(sweep_dir, *shard));
  }
  require(!ec, shards_root(sweep_dir).string() + ": cannot list the shards: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

void check_shard_count(const fs::path& sweep_dir, const Shard& shard) {
  for (const auto& file : shard_databases(sweep_dir)) {
    const auto other = shard_of_directory(file.parent_path().filename().string());
    require(other->count == shard.count,
            file.parent_path().string() + ": this sweep directory is already split into " +
                std::to_string(other->count) + " shards, not " + std::to_string(shard.count) +
                " (cells would be run twice): use --shard I/" + std::to_string(other->count) +
                ", or merge (freelunch results DIR --merge) and remove " + shards_root(sweep_dir).string() + " first");
  }
}

}  // namespace fl
