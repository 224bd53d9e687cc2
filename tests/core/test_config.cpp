// Config parsing and validation: every bad input is an fl::Error naming the key.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "support/fixtures.h"
#include "train/run_config.h"

namespace fl {
namespace {

using test_support::error_of;
using test_support::config_from_json;
using test_support::TempDir;

TEST(Config, DefaultsAndTomlAndOverrides) {
  TempDir dir;
  write_file_atomic(dir / "c.toml", "seed = 3\n[model]\ntype = \"transformer\"\nd_model = 32\n[task]\nmax_len = 9\n");
  auto c = RunConfig::load(dir / "c.toml", {"model.n_layer=3", "train.lr=0.0005", "eval.sizes=2,4"});
  EXPECT_EQ(c.seed, 3);
  EXPECT_EQ(c.model.family, ModelFamily::transformer);
  EXPECT_EQ(c.model.d_model, 32);
  EXPECT_EQ(c.model.n_layer, 3);
  EXPECT_DOUBLE_EQ(c.train.lr, 5e-4);
  EXPECT_EQ(c.eval.sizes, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(c.model.vocab_size, 30);  // 26 letters + 4 specials
  EXPECT_EQ(c.values.get_int("task.max_len"), 9);
}

TEST(Config, JsonAndResolvedRoundTrip) {
  auto c = config_from_json(R"({"model": {"type": "mamba", "d_model": 40}})");
  EXPECT_EQ(c.model.dt_rank, 3);  // ceil(40 / 16)
  auto again = RunConfig::from_raw(RawConfig::from_json(c.to_json(), "again"));
  EXPECT_EQ(again.to_json(), c.to_json());
}

TEST(Config, RejectsBadInputWithTheKeyNamed) {
  EXPECT_EQ(error_of([] { config_from_json(R"({"model": {"d_modle": 8}})"); }),
            "test config: unknown config key 'model.d_modle' (did you mean 'model.d_model'?)");
  EXPECT_EQ(error_of([] { config_from_json(R"({"model": {"d_model": 8.5}})"); }),
            "test config: 'model.d_model' must be an integer, got 8.5");
  EXPECT_EQ(error_of([] { config_from_json(R"({"model": {"d_model": 0}})"); }),
            "test config: 'model.d_model' must be ≥ 1, got 0");
  EXPECT_EQ(error_of([] { config_from_json(R"({"model": {"type": "rnn"}})"); }),
            "test config: 'model.type' must be one of mamba, transformer, window, hybrid, lstm, mamba2, linear, got \"rnn\"");
  EXPECT_EQ(error_of([] { config_from_json(R"({"model": {"type": "transformer", "d_model": 30, "n_head": 4}})"); }),
            "model.d_model = 30 is not divisible by model.n_head = 4");
  EXPECT_EQ(error_of([] { config_from_json(R"({"task": {"min_len": 9, "max_len": 3}})"); }),
            "task.min_len = 9 is larger than task.max_len = 3");
  EXPECT_EQ(error_of([] { config_from_json(R"({"task": {"name": "sort"}})"); }),
            "unknown task 'sort' (known: copy, prefix_ngram, suffix_ngram, lookup, assoc_recall, local_dp, lis, "
            "edit_distance, arithmetic, dataset)");
  EXPECT_EQ(error_of([] { config_from_json(R"({"model": {"type": "window"}})"); }),
            "model.type = window needs model.window > 0");
  EXPECT_EQ(error_of([] { config_from_json(R"({"model": 3})"); }),
            "test config: unknown config key 'model'");
}

// model.pos = alibi | hard_alibi, model.hard_alibi_windows: the kernels' positional scheme, the
// paper's default windows, the stored form, and every bad value in one line naming the key.
TEST(Config, AlibiAndHardAlibiPositions) {
  const auto alibi = config_from_json(R"({"model": {"type": "transformer", "n_head": 8, "pos": "alibi"}})").model;
  EXPECT_EQ(alibi.attention_positions().slopes, kernels::alibi_slopes(8));
  EXPECT_TRUE(alibi.attention_positions().head_windows.empty());
  EXPECT_EQ(alibi.attention_positions().rope_base, 0.0);
  EXPECT_FALSE(alibi.to_json().contains("hard_alibi_windows"));

  const auto hard = config_from_json(R"({"model": {"type": "window", "window": 9, "pos": "hard_alibi"}})").model;
  EXPECT_EQ(hard.hard_alibi_windows, (std::vector<int64_t>{1, 2, 0, 0}));  // n_head = 4
  const auto p = hard.attention_positions();
  EXPECT_EQ(p.head_windows, hard.hard_alibi_windows);
  EXPECT_EQ(std::vector<int64_t>({p.reach(0), p.reach(1), p.reach(2), p.reach(3)}), (std::vector<int64_t>{1, 2, 9, 9}));
  EXPECT_TRUE(p.slopes.empty());
  EXPECT_EQ(ModelConfig::from_json(hard.to_json()).hard_alibi_windows, hard.hard_alibi_windows);
  EXPECT_EQ(ModelConfig::families_reading("model.hard_alibi_windows", " or "), "transformer or hybrid");

  const auto given = config_from_json(R"({"model": {"type": "transformer", "n_head": 2, "pos": "hard_alibi",
                                                     "hard_alibi_windows": [5, 0]}})").model;
  EXPECT_EQ(given.hard_alibi_windows, (std::vector<int64_t>{5, 0}));

  EXPECT_EQ(error_of([] { config_from_json(R"({"model": {"type": "transformer", "pos": "alibii"}})"); }),
            "test config: 'model.pos' must be one of rope, none, learned, alibi, hard_alibi, got \"alibii\"");
  EXPECT_EQ(error_of([] {
              config_from_json(R"({"model": {"type": "transformer", "pos": "hard_alibi", "hard_alibi_windows": [1, 2, 3]}})");
            }),
            "model.hard_alibi_windows has 3 values; it needs one per head (model.n_head = 4)");
  EXPECT_EQ(error_of([] {
              config_from_json(R"({"model": {"type": "transformer", "pos": "hard_alibi", "hard_alibi_windows": [1, -2, 0, 0]}})");
            }),
            "test config: 'model.hard_alibi_windows' must be ≥ 0, got [1,-2,0,0]");
  EXPECT_EQ(error_of([] { config_from_json(R"({"model": {"type": "transformer", "hard_alibi_windows": [1, 2, 0, 0]}})"); }),
            "model.hard_alibi_windows is only read with model.pos = hard_alibi (model.pos = rope); remove it");
  EXPECT_EQ(error_of([] { config_from_json(R"({"model": {"type": "transformer", "pos": "alibi", "hard_alibi_windows": "1,2"}})"); }),
            "test config: 'model.hard_alibi_windows' must be a list of integers, got \"1,2\"");
}

TEST(Config, OverrideErrors) {
  TempDir dir;
  write_file_atomic(dir / "c.json", "{}");
  EXPECT_EQ(error_of([&] { RunConfig::load(dir / "c.json", {"train.steps=many"}); }),
            "--set train.steps: expected an integer, got 'many'");
  EXPECT_EQ(error_of([&] { RunConfig::load(dir / "c.json", {"train.stepz=3"}); }),
            "--set: unknown config key 'train.stepz' (did you mean 'train.steps'?)");
  EXPECT_EQ(error_of([&] { RunConfig::load(dir / "c.json", {"steps"}); }), "--set expects key=value, got 'steps'");
}

TEST(Config, FileErrors) {
  TempDir dir;
  write_file_atomic(dir / "bad.toml", "[model\nd_model = 3\n");
  EXPECT_NE(error_of([&] { RunConfig::load(dir / "bad.toml", {}); }).find("bad.toml:1"), std::string::npos);
  write_file_atomic(dir / "c.yaml", "a: 1");
  EXPECT_NE(error_of([&] { RunConfig::load(dir / "c.yaml", {}); }).find("must end in .toml or .json"),
            std::string::npos);
  EXPECT_NE(error_of([&] { RunConfig::load(dir / "missing.toml", {}); }).find("missing.toml"), std::string::npos);
}

// An empty file (or one that never says which model to train) silently trained a default Mamba:
// a config must set model.type, in the file or with --set (docs/CONFIG.md).
TEST(Config, AConfigMustSetTheModelType) {
  TempDir dir;
  write_file_atomic(dir / "empty.toml", "");
  write_file_atomic(dir / "empty.json", "{}");
  write_file_atomic(dir / "seed.toml", "seed = 3\n[task]\nname = \"lis\"\n");
  for (const char* name : {"empty.toml", "empty.json", "seed.toml"})
    EXPECT_EQ(error_of([&] { RunConfig::load(dir / name, {}); }),
              (dir / name).string() + ": model.type is not set (mamba, transformer, window, hybrid, lstm, mamba2 or linear); every other key has a "
                                      "default (docs/CONFIG.md)")
        << name;
  EXPECT_EQ(RunConfig::load(dir / "empty.toml", {"model.type=transformer"}).model.family, ModelFamily::transformer);
  EXPECT_EQ(RunConfig::load(dir / "seed.toml", {"model.type=mamba"}).task_name, "lis");
}

// A key of the other model family set by the user was silently ignored (a Mamba with
// model.window = 64 is no windowed model): an error naming the key. Only keys the user set count:
// a run's config.json (which holds only its family's keys) and sweep cells (whose base may serve
// both families) still load.
TEST(Config, KeysOfTheOtherModelFamilyAreErrors) {
  TempDir dir;
  write_file_atomic(dir / "m.toml", "[model]\ntype = \"mamba\"\nn_head = 8\n");
  EXPECT_EQ(error_of([&] { RunConfig::load(dir / "m.toml", {}); }),
            (dir / "m.toml").string() + ": model.n_head applies to model.type = transformer, hybrid or linear, not to mamba (remove it)");
  write_file_atomic(dir / "m.json", R"({"model": {"type": "mamba"}})");
  EXPECT_EQ(error_of([&] { RunConfig::load(dir / "m.json", {"model.window=64"}); }),
            (dir / "m.json").string() + ": model.window applies to model.type = transformer or hybrid, not to mamba (remove it)");
  write_file_atomic(dir / "t.json", R"({"model": {"type": "transformer", "d_state": 4}})");
  EXPECT_EQ(error_of([&] { RunConfig::load(dir / "t.json", {}); }),
            (dir / "t.json").string() + ": model.d_state applies to model.type = mamba, hybrid or mamba2, not to transformer (remove it)");
  write_file_atomic(dir / "w.json", R"({"model": {"type": "window", "window": 8, "expand": 2}})");
  EXPECT_NE(error_of([&] { RunConfig::load(dir / "w.json", {}); }).find("model.expand applies to model.type = mamba, hybrid or mamba2, not to window"),
            std::string::npos);
  // Switching a Transformer file to Mamba with --set names the file's Transformer key.
  write_file_atomic(dir / "gpt.toml", "[model]\ntype = \"transformer\"\nn_head = 4\n");
  EXPECT_NE(error_of([&] { RunConfig::load(dir / "gpt.toml", {"model.type=mamba"}); }).find("model.n_head applies"),
            std::string::npos);
  EXPECT_EQ(RunConfig::load(dir / "gpt.toml", {}).model.n_head, 4);
  // A hybrid reads both families' keys; model.attn_layers is its own.
  write_file_atomic(dir / "h.json", R"({"model": {"type": "hybrid", "n_layer": 3, "d_state": 4, "n_head": 2, "attn_layers": [0, 2]}})");
  EXPECT_EQ(RunConfig::load(dir / "h.json", {}).model.attn_layers, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(error_of([&] { RunConfig::load(dir / "m.json", {"model.attn_layers=1"}); }),
            (dir / "m.json").string() + ": model.attn_layers applies to model.type = hybrid, not to mamba (remove it)");

  // An LSTM reads model.lstm_hidden and no Mamba or attention key; no other family reads lstm_hidden.
  write_file_atomic(dir / "l.json", R"({"model": {"type": "lstm", "d_model": 16, "lstm_hidden": 24, "norm": "layernorm"}})");
  EXPECT_EQ(RunConfig::load(dir / "l.json", {}).model.lstm_hidden, 24);
  EXPECT_EQ(error_of([&] { RunConfig::load(dir / "l.json", {"model.d_state=4"}); }),
            (dir / "l.json").string() + ": model.d_state applies to model.type = mamba, hybrid or mamba2, not to lstm (remove it)");
  EXPECT_EQ(error_of([&] { RunConfig::load(dir / "l.json", {"model.n_head=2"}); }),
            (dir / "l.json").string() + ": model.n_head applies to model.type = transformer, hybrid or linear, not to lstm (remove it)");
  EXPECT_EQ(error_of([&] { RunConfig::load(dir / "m.json", {"model.lstm_hidden=8"}); }),
            (dir / "m.json").string() + ": model.lstm_hidden applies to model.type = lstm, not to mamba (remove it)");

  for (const char* type : {"mamba", "transformer", "window", "hybrid", "lstm", "mamba2", "linear"}) {  // a run's own config.json loads
    auto c = config_from_json(std::string(R"({"model": {"type": ")") + type + R"(", "window": 4}})");
    write_file_atomic(dir / "config.json", c.to_json().dump());
    EXPECT_EQ(RunConfig::load(dir / "config.json", {}).to_json(), c.to_json()) << type;
  }
  EXPECT_EQ(config_from_json(R"({"model": {"type": "mamba", "n_head": 8, "window": 16}})").model.family,
            ModelFamily::mamba);
}

}  // namespace
}  // namespace fl
