// Shards of a sweep, for running one sweep on many machines (a SLURM job array: docs/SWEEPS.md
// "Many machines"). Shard I of N runs only its own cells into a results database of its own,
//   <sweep dir>/shards/I-of-N/results.sqlite,
// while each cell still trains into <sweep dir>/cells/<hash>/, so the shards may share one
// directory (a shared file system) or live on different machines; results_merge.h joins their
// databases afterwards. A cell's shard is a function of its config hash and N alone:
//   shard(cell) = 1 + fmix64(h) mod N,   h = the cell's 16 hex digits as a 64-bit number,
// fmix64 being MurmurHash3's 64-bit finaliser (h ^= h >> 33; h *= 0xff51afd7ed558ccd;
// h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53; h ^= h >> 33), which spreads the FNV-1a hash's low bits
// (those follow the parity of the configuration's bytes). Adding, removing or reordering other
// cells never moves a cell to another shard.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "experiments/sweep_spec.h"

namespace fl {

struct Shard {
  int64_t index = 1, count = 1;  // shard `index` of `count`, 1 ≤ index ≤ count
  static constexpr int64_t kMaxCount = 100000;  // as many as a sweep may have cells

  std::string label() const;  // "2/8", as --shard takes it
  std::string name() const;   // "2-of-8", its directory's name
};

// "I/N" (whole numbers, 1 ≤ I ≤ N ≤ kMaxCount); one-line fl::Error naming `flag` and the text otherwise.
Shard parse_shard(const std::string& text, const std::string& flag);

// The shard (1 … count) a cell of this config hash belongs to, by the rule above.
int64_t shard_of(const std::string& hash, int64_t count);

// The cells of `spec` in `shard`, in sweep order with their ordinals kept (so merged shards list
// cells in the order of the whole sweep); named "<name> shard I/N".
SweepSpec shard_spec(const SweepSpec& spec, const Shard& shard);

std::filesystem::path shard_dir(const std::filesystem::path& sweep_dir, const Shard& shard);  // DIR/shards/I-of-N
std::filesystem::path shard_database(const std::filesystem::path& sweep_dir, const Shard& shard);  // …/results.sqlite

// The results databases of the shards under a sweep directory (DIR/shards/*/results.sqlite),
// sorted by path; empty when it has none.
std::vector<std::filesystem::path> shard_databases(const std::filesystem::path& sweep_dir);

// fl::Error if `sweep_dir` already holds shards of another count (DIR/shards/J-of-M, M ≠ N): the
// two partitions overlap, so two processes could train the same cell into one directory.
void check_shard_count(const std::filesystem::path& sweep_dir, const Shard& shard);

}  // namespace fl
