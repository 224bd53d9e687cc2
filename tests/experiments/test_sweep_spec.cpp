// Sweep files: the grid expands to the right cells in the right order with the right layered
// settings, and every malformed file is one fl::Error naming the problem.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "experiments/sweep_spec.h"
#include "support/fixtures.h"
#include "train/run_config.h"

namespace fl {
namespace {

using test_support::TempDir;

SweepSpec load_text(const TempDir& dir, const std::string& text, const std::string& name = "s.toml") {
  write_file_atomic(dir / name, text);
  return SweepSpec::load(dir / name);
}

std::string load_error(const std::string& text) {
  TempDir dir;
  try {
    load_text(dir, text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SweepSpec, ExpandsVariantsTimesGrid) {
  TempDir dir;
  const auto spec = load_text(dir, R"(
[sweep]
name = "demo"
[base]
model.d_model = 8
task.max_len = 3
[grid]
seed = [1, 2]
"task.max_len" = [4, 6]
[[variants]]
name = "mamba"
model.type = "mamba"
grid.model.d_state = [1, 2, 4]
[[variants]]
name = "transformer"
model = { type = "transformer", n_head = 2 }
)");
  EXPECT_EQ(spec.name, "demo");
  ASSERT_EQ(spec.cells.size(), 3u * 4 + 1u * 4);  // Σ_v |grid_v| · |grid|
  // Variants in file order, then the variant's grid, then the shared grid (sorted keys, last fastest).
  const auto& first = spec.cells[0].config;
  EXPECT_EQ(spec.cells[0].variant, "mamba");
  EXPECT_EQ(first["model.d_state"], 1);
  EXPECT_EQ(first["seed"], 1);
  EXPECT_EQ(first["task.max_len"], 4);  // the grid overrides [base]
  EXPECT_EQ(first["model.d_model"], 8);
  EXPECT_EQ(spec.cells[1].config["task.max_len"], 6);
  EXPECT_EQ(spec.cells[2].config["seed"], 2);
  EXPECT_EQ(spec.cells[4].config["model.d_state"], 2);
  const auto& last = spec.cells.back();
  EXPECT_EQ(last.variant, "transformer");
  EXPECT_EQ(last.config["model.type"], "transformer");
  EXPECT_EQ(last.config["model.n_head"], 2);
  EXPECT_FALSE(last.config.contains("model.d_state"));
  EXPECT_EQ(last.config["seed"], 2);
  EXPECT_EQ(last.config["task.max_len"], 6);
  EXPECT_EQ(spec.hashes().size(), spec.cells.size());
  for (const auto& cell : spec.cells) EXPECT_EQ(cell.hash, config_hash(cell.config));
  EXPECT_EQ(spec.varied_keys(),
            (std::vector<std::string>{"model.d_state", "model.n_head", "model.type", "seed", "task.max_len"}));
  EXPECT_EQ(describe_cell(first, {"model.d_state", "model.type"}), "model.d_state=1 model.type=mamba");
}

TEST(SweepSpec, HashIsFnv1aOfTheCanonicalConfig) {
  EXPECT_EQ(config_hash(Json{{"seed", 1}, {"model.d_state", 4}}), "500aaff18d76f18a");
  EXPECT_NE(config_hash(Json{{"seed", 2}, {"model.d_state", 4}}), "500aaff18d76f18a");
}

TEST(SweepSpec, BaseFileIsTheLowestLayer) {
  TempDir dir;
  write_file_atomic(dir / "base.toml", "seed = 5\n[model]\nd_model = 32\nn_layer = 3\n");
  const auto spec = load_text(dir, R"(
[sweep]
base = "base.toml"
[base]
seed = 7
[[variants]]
name = "deep"
model.n_layer = 6
)");
  ASSERT_EQ(spec.cells.size(), 1u);
  EXPECT_EQ(spec.name, "s");  // the file's stem
  EXPECT_EQ(spec.cells[0].config["seed"], 7);
  EXPECT_EQ(spec.cells[0].config["model.d_model"], 32);
  EXPECT_EQ(spec.cells[0].config["model.n_layer"], 6);
}

TEST(SweepSpec, BadValuesAreLeftToTheirCells) {
  TempDir dir;
  const auto spec = load_text(dir, "[grid]\nmodel.d_state = [0, 2]\n");
  ASSERT_EQ(spec.cells.size(), 2u);
  EXPECT_THROW(RunConfig::from_raw(cell_raw_config(spec.cells[0].config, spec.cells[0].hash)), Error);
  EXPECT_NO_THROW(RunConfig::from_raw(cell_raw_config(spec.cells[1].config, spec.cells[1].hash)));
}

TEST(SweepSpec, RejectsMalformedFiles) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[grd]\nseed = [1]\n", "unknown sweep key 'grd.seed'"},
      {"seed = 1\n", "run settings go in [base]"},
      {"[grid]\nmodel.d_stat = [1, 2]\n", "unknown config key 'model.d_stat' (did you mean 'model.d_state'?)"},
      {"[base]\ntrain.step = 3\n", "unknown config key 'train.step'"},
      {"[base]\ntask.name = \"copy\"\ntask.distance = 3\n", "unknown config key 'task.distance'"},
      {"[grid]\nseed = []\n", "grid key 'seed' has no values"},
      {"[grid]\nseed = 3\n", "grid key 'seed' must be a list"},
      {"[grid]\nseed = [1, 1]\n", "have the same configuration"},
      {"[sweep]\nnmae = \"x\"\n", "unknown key 'sweep.nmae'"},
      {"[sweep]\nbase = \"missing.toml\"\n", "missing.toml"},
      {"[[variants]]\nmodel.type = \"mamba\"\n", "variants[0]: missing 'name'"},
      {"[[variants]]\nname = \"a\"\n[[variants]]\nname = \"a\"\n", "two variants are named 'a'"},
      {"[grid]\nseed = [1, 2]\n[[variants]]\nname = \"a\"\nseed = 3\n", "'seed' is set by both [grid] and variant 'a'"},
      {"[[variants]]\nname = \"a\"\nseed = 3\ngrid.seed = [1]\n", "both a setting and a grid key"},
      {"[[variants]]\nname = \"a\"\ngrid.model.d_state = []\n", "has no values"},
      {"[grid]\nseed = [1, 2\n", "s.toml:"},
      {"[grid]\na.b = [1,2,3,4,5,6,7,8,9,10]\nc.d = [1,2,3,4,5,6,7,8,9,10]\ne.f = [1,2,3,4,5,6,7,8,9,10]\n"
       "g.h = [1,2,3,4,5,6,7,8,9,10]\ni.j = [1,2,3,4,5,6,7,8,9,10]\nk.l = [1,2,3,4,5,6,7,8,9,10]\n",
       "more than 100000 cells"},
  };
  for (const auto& [text, phrase] : cases) {
    SCOPED_TRACE(text);
    const std::string message = load_error(text);
    EXPECT_NE(message.find(phrase), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  EXPECT_THROW(SweepSpec::load("/nonexistent/sweep.toml"), Error);
}

TEST(SweepSpec, ShippedSweepsExpandToValidRuns) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(FREELUNCH_SOURCE_DIR) + "/configs/sweeps")) {
    SCOPED_TRACE(entry.path().string());
    const auto spec = SweepSpec::load(entry.path());
    EXPECT_FALSE(spec.cells.empty());
    for (const auto& cell : spec.cells)
      EXPECT_NO_THROW(RunConfig::from_raw(cell_raw_config(cell.config, cell.hash)));
    ++files;
  }
  EXPECT_GE(files, 1);
}

TEST(SweepSpec, SeedCountCrossesEveryCellWithSeedsOneToS) {
  TempDir dir;
  const std::string text = R"(
[base]
model.d_model = 8
[grid]
task.max_len = [4, 6]
[[variants]]
name = "mamba"
model.type = "mamba"
[[variants]]
name = "transformer"
model.type = "transformer"
)";
  write_file_atomic(dir / "s.toml", text);
  const auto plain = SweepSpec::load(dir / "s.toml");
  const auto seeded = SweepSpec::load(dir / "s.toml", 3);
  ASSERT_EQ(seeded.cells.size(), 3 * plain.cells.size());
  std::map<std::string, std::set<int64_t>> seeds;  // variant and length → seeds
  for (const auto& c : seeded.cells)
    seeds[c.variant + std::to_string(c.config["task.max_len"].get<int>())].insert(c.config["seed"].get<int64_t>());
  ASSERT_EQ(seeds.size(), 4u);
  for (const auto& [cell, s] : seeds) EXPECT_EQ(s, (std::set<int64_t>{1, 2, 3})) << cell;
  // Seed 1 of a seeded sweep is the cell a file with seed = 1 in [base] makes: its result is reused.
  write_file_atomic(dir / "one.toml", "[base]\nseed = 1\n" + text.substr(text.find("model.d_model")));
  const auto one = SweepSpec::load(dir / "one.toml");
  for (const auto& c : one.cells) EXPECT_TRUE(seeded.hashes().count(c.hash)) << c.config.dump();
  // A file that sets seed itself is refused, wherever it does.
  for (const std::string& bad : {"[base]\nseed = 2\n", "[grid]\nseed = [1, 2]\n",
                                 "[[variants]]\nname = \"a\"\nseed = 4\n",
                                 "[[variants]]\nname = \"a\"\ngrid.seed = [4]\n"}) {
    write_file_atomic(dir / "bad.toml", bad);
    try {
      SweepSpec::load(dir / "bad.toml", 2);
      ADD_FAILURE() << "no error for " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("sets 'seed' itself"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace fl
