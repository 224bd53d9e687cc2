#include "reproduce/suite.h"

#include "core/error.h"

namespace fl::reproduce {

namespace fs = std::filesystem;

namespace {

const std::vector<ParamSpec>& suite_specs() {
  static const std::vector<ParamSpec> specs = {
      {"runs.seeds", Kind::Int, 3, "seeds of every trained cell (1 … seeds); the sweep files must not set seed", 1,
       100},
      {"cost.quick", Kind::Bool, false, "tiny d32 models (freelunch cost --quick)"},
      {"cost.positions", Kind::IntList, Json::array(), "positions t, increasing ([] = the cost command's default)", 1,
       1 << 24},
      {"cost.tokens", Kind::Int, 0, "timed steps per position (0 = default)", 0, 1e6},
      {"cost.validate", Kind::Int, -1, "length of the genuine generation (−1 = default, 0 = none)", -1, 1 << 24},
      {"theory.copy_max_n", Kind::Int, 64, "theory copy --max-n", 2, 256},
      {"theory.copy_samples", Kind::Int, 16, "theory copy --samples", 1, 1e4},
      {"theory.local_dp_max_t", Kind::Int, 10000, "theory local-dp --max-t", 4, 1e6},
      {"theory.local_dp_max_n", Kind::Int, 16, "theory local-dp --max-n", 2, 256},
      {"theory.local_dp_examples", Kind::Int, 16, "theory local-dp --examples", 1, 1e4},
  };
  return specs;
}

}  // namespace

const std::vector<std::string>& suite_sweep_ids() {
  static const std::vector<std::string> ids = {"copy-state", "sample-efficiency", "dp-cot", "locality"};
  return ids;
}

const SuiteSweep& Suite::sweep(const std::string& id) const {
  for (const auto& s : sweeps)
    if (s.id == id) return s;
  throw Error("suite " + dir.string() + " has no sweep '" + id + "'");
}

Json Suite::cost_json() const {
  return {{"quick", cost.quick}, {"positions", cost.positions}, {"tokens", cost.tokens}, {"validate", cost.validate}};
}

Json Suite::theory_json() const {
  return {{"copy_max_n", theory.copy_max_n},
          {"copy_samples", theory.copy_samples},
          {"local_dp_max_t", theory.local_dp_max_t},
          {"local_dp_max_n", theory.local_dp_max_n},
          {"local_dp_examples", theory.local_dp_examples}};
}

Suite Suite::load(const fs::path& dir) {
  require(fs::is_directory(dir), "suite " + dir.string() + ": no such directory");
  Suite suite;
  suite.dir = dir;
  suite.name = fs::absolute(dir).lexically_normal().filename().string();
  if (suite.name.empty()) suite.name = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  const fs::path settings = dir / "suite.toml";
  require(fs::is_regular_file(settings), "suite " + dir.string() + ": missing suite.toml");
  RawConfig raw = RawConfig::from_file(settings);
  const ParamValues v = resolve(raw, suite_specs());
  reject_unknown_keys(raw, suite_specs());
  suite.seeds = v.get_int("runs.seeds");
  suite.cost.quick = v.get_bool("cost.quick");
  suite.cost.positions = v.get_int_list("cost.positions");
  for (size_t i = 1; i < suite.cost.positions.size(); ++i)
    require(suite.cost.positions[i] > suite.cost.positions[i - 1],
            settings.string() + ": cost.positions must be increasing");
  suite.cost.tokens = v.get_int("cost.tokens");
  suite.cost.validate = v.get_int("cost.validate");
  suite.theory.copy_max_n = v.get_int("theory.copy_max_n");
  suite.theory.copy_samples = v.get_int("theory.copy_samples");
  suite.theory.local_dp_max_t = v.get_int("theory.local_dp_max_t");
  suite.theory.local_dp_max_n = v.get_int("theory.local_dp_max_n");
  suite.theory.local_dp_examples = v.get_int("theory.local_dp_examples");
  for (const auto& id : suite_sweep_ids()) {
    const fs::path file = dir / (id + ".toml");
    require(fs::is_regular_file(file), "suite " + dir.string() + ": missing sweep file " + id + ".toml");
    suite.sweeps.push_back({id, file, SweepSpec::load(file, suite.seeds)});
  }
  return suite;
}

std::filesystem::path shipped_suite_dir(const std::string& name, const std::filesystem::path& source_dir) {
  const std::filesystem::path here = std::filesystem::path("configs") / "reproduce" / name;
  return std::filesystem::is_directory(here) ? here : source_dir / "configs" / "reproduce" / name;
}

}  // namespace fl::reproduce
