// A sweep: one base run configuration and a grid of values for any config keys, expanded into
// cells, one training run each (docs/SWEEPS.md). The grid is a Cartesian product; optional
// variants (e.g. one per model type) each add fixed settings and a grid of their own, so a
// model's own sizes are crossed only with that model:
//   cells = Σ_v |grid_v| · |grid|,   |grid| = Π_k |values_k|.
// A cell's configuration is, by precedence: the [sweep] base file < [base] < the variant's
// settings < the grid point. Its identity is a hash of that whole flat configuration, so the
// same cell in an edited sweep file keeps its identity (and its finished result).
#pragma once
#include <filesystem>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/config.h"

namespace fl {

struct SweepCell {
  std::string hash;     // config_hash(config)
  std::string variant;  // the variant's name ("" when the sweep has no variants)
  Json config;          // flat object, dotted key → value: the cell's whole raw configuration
  int64_t ordinal = 0;  // position in the sweep's expansion (the queue order), kept by a shard's subset
};

struct SweepSpec {
  std::string name;              // [sweep] name; default: the file's stem
  std::vector<SweepCell> cells;  // variants in file order; grid keys sorted, the last varying fastest

  // Reads and expands a sweep file (.toml or .json). fl::Error naming the file for unknown
  // sections or config keys, empty or non-list grids, variants without unique names, keys set
  // twice at one level, duplicate cells, or more than kMaxCells cells. Config *values* are
  // checked only when a cell runs, so one bad grid point fails alone.
  // seeds > 0: every cell runs once per seed 1 … seeds (a [grid] key `seed`, crossed with every
  // variant); fl::Error if the file sets `seed` anywhere itself.
  static SweepSpec load(const std::filesystem::path& file, int64_t seeds = 0);
  static constexpr size_t kMaxCells = 100000;

  std::unordered_set<std::string> hashes() const;
  std::vector<std::string> varied_keys() const;  // the keys that tell its cells apart
};

// 16 hex digits: FNV-1a (64-bit) of the canonical JSON text (keys sorted) of a flat config.
std::string config_hash(const Json& flat_config);

// The cell's configuration as a RawConfig, ready for RunConfig::from_raw.
RawConfig cell_raw_config(const Json& flat_config, const std::string& hash);

// Keys whose value differs between the given flat configs (a missing key counts as a value),
// in sorted order: what distinguishes the cells in a table.
std::vector<std::string> varied_keys(const std::vector<Json>& flat_configs);

// Every config key a run of `task` accepts (general + the task's own); empty for an unknown task.
std::vector<ParamSpec> run_config_specs(const std::string& task);
// The task a flat config names (task.name or its default); "" when task.name is not a string.
std::string task_of(const Json& flat_config);

// "model.d_state=4 task.max_len=8" for the given keys of a flat config.
std::string describe_cell(const Json& flat_config, const std::vector<std::string>& keys);

}  // namespace fl
