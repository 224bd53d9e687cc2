// The suite `freelunch reproduce` runs: one directory (configs/reproduce/quick or …/full) holding
// a sweep file per trained claim and suite.toml with the settings of the two measurements that
// are not sweeps (docs/REPRODUCE.md):
//   copy-state.toml  sample-efficiency.toml  dp-cot.toml  locality.toml   sweep files (docs/SWEEPS.md)
//   suite.toml       [runs]: seeds of every trained cell; [cost] and [theory]: options of
//                    `freelunch cost` and `freelunch theory …`
// Editing a sweep file changes only the cells that change (sweeps are keyed by config hash);
// editing [cost] or [theory] reruns that measurement.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"
#include "experiments/sweep_spec.h"

namespace fl::reproduce {

struct SuiteSweep {
  std::string id;              // the claim it serves (report/paper_claims.h): "copy-state", …
  std::filesystem::path file;  // <suite dir>/<id>.toml
  SweepSpec spec;
};

struct CostSettings {
  bool quick = false;              // cost.quick: the tiny d32 models of `freelunch cost --quick`
  std::vector<int64_t> positions;  // cost.positions: [] = the cost command's default
  int64_t tokens = 0;              // cost.tokens: timed steps per position, 0 = default
  int64_t validate = -1;           // cost.validate: genuine run length, −1 = default, 0 = none
};

struct TheorySettings {
  int64_t copy_max_n = 64, copy_samples = 16;                                   // theory.copy_*
  int64_t local_dp_max_t = 10000, local_dp_max_n = 16, local_dp_examples = 16;  // theory.local_dp_*
};

struct Suite {
  std::string name;  // the directory's name: "quick", "full", …
  std::filesystem::path dir;
  int64_t seeds = 1;  // runs.seeds: every trained cell runs with seeds 1 … seeds (SweepSpec::load)
  std::vector<SuiteSweep> sweeps;  // in report order
  CostSettings cost;
  TheorySettings theory;

  const SuiteSweep& sweep(const std::string& id) const;
  // The settings as JSON, to tell whether a stored measurement was made with them.
  Json cost_json() const;
  Json theory_json() const;

  // Reads dir/suite.toml and every sweep file; fl::Error naming the file and key on a missing
  // file, an unknown key or a bad value.
  static Suite load(const std::filesystem::path& dir);
};

// configs/reproduce/<name> ("quick", "full") of the working directory when it has one, else of
// the source tree.
std::filesystem::path shipped_suite_dir(const std::string& name, const std::filesystem::path& source_dir);

// The trained claims, in report order, each the stem of its sweep file.
const std::vector<std::string>& suite_sweep_ids();

}  // namespace fl::reproduce
