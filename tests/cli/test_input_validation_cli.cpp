// Bad input through the program itself: flags, config files, task sizes, prompts and damaged
// checkpoint files each end in one line "freelunch: error: …" and exit code 2 — never a crash
// (exit 1 or a signal) or a hang. One tiny run is trained once and damaged in copies.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/safetensors.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/tiny_config.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;

// The message of a one-line user error (exit 2), else what happened instead.
std::string user_error(const test_support::ProcessResult& r) {
  const std::string prefix = "freelunch: error: ";
  const bool one_line = !r.err.empty() && r.err.find('\n') == r.err.size() - 1;
  if (r.exit_code != 2 || !one_line || r.err.rfind(prefix, 0) != 0)
    return "(exit " + std::to_string(r.exit_code) + ") " + r.err;
  return r.err.substr(prefix.size(), r.err.size() - prefix.size() - 1);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class CliInputValidation : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    write_file_atomic(*dir_ / "tiny.toml", test_support::tiny_mamba_toml(test_support::kTinyCopyTask));
    // The same model on a dataset (task.path given by each test): copy's task keys would be unknown.
    write_file_atomic(*dir_ / "dataset.toml", test_support::tiny_mamba_toml("name = \"dataset\"\n"));
    const auto r = run_command(kBin + " --threads 1 train --quiet --config " + config() + " --out " + run());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string config() { return (*dir_ / "tiny.toml").string(); }
  static std::string run() { return (*dir_ / "run").string(); }

  // A copy of the trained run whose model.safetensors holds `bytes`.
  static std::string run_with_weights(const std::string& name, const std::string& bytes) {
    const fs::path copy = *dir_ / name;
    fs::create_directories(copy);
    fs::copy_file(fs::path(run()) / "config.json", copy / "config.json", fs::copy_options::overwrite_existing);
    write_file_atomic(copy / "model.safetensors", bytes);
    return copy.string();
  }
  static std::string weights() { return read_file(fs::path(run()) / "model.safetensors"); }

  static TempDir* dir_;
};
TempDir* CliInputValidation::dir_ = nullptr;

TEST_F(CliInputValidation, FlagsAndTaskSizes) {
  // Copy once died with std::length_error (exit 1); arithmetic once generated for minutes.
  EXPECT_EQ(user_error(run_command(kBin + " sample --task copy --size -5")), "copy: length -5 is outside 1..100000");
  EXPECT_TRUE(contains(user_error(run_command(kBin + " sample --task arithmetic --size 5000")),
                       "arithmetic: size 5000 is outside 1..1000 operators"));
  EXPECT_TRUE(contains(user_error(run_command(kBin + " --threads many tasks")), "--threads"));
  EXPECT_TRUE(contains(user_error(run_command(kBin + " eval --checkpoint " + run() + " --sizes 2,x")), "--sizes"));
  EXPECT_TRUE(contains(user_error(run_command(kBin + " eval --checkpoint " + run() + " --sizes 200000")),
                       "copy: length 200000 is outside 1..100000"));
  EXPECT_EQ(user_error(run_command(kBin + " generate --checkpoint " + run() + " --prompt " + shell_quote("  "))),
            "--prompt: empty prompt");
  // Once std::bad_alloc (exit 1).
  EXPECT_TRUE(contains(user_error(run_command(kBin + " generate --checkpoint " + run() + " --prompt " +
                                              shell_quote("$ a |") + " --max-new 1000000000000")),
                       "--max-new"));
  // A line break inside quoted input stays on the one error line.
  EXPECT_TRUE(contains(user_error(run_command(kBin + " train --config " + std::string(FREELUNCH_SOURCE_DIR) +
                                              "/configs/copy-mamba.toml --set " +
                                              shell_quote("model.d_model=1\nx"))),
                       "model.d_model"));
}

TEST_F(CliInputValidation, ConfigFiles) {
  const std::string out = " --out " + (*dir_ / "never").string();
  EXPECT_EQ(user_error(run_command(kBin + " train --config /dev/zero" + out)),
            "/dev/zero: config files must end in .toml or .json");
  const auto deep = *dir_ / "deep.json";
  std::string objects;  // {"a":{"a":…1…}} 50 000 deep: once a stack overflow
  for (int i = 0; i < 50000; ++i) objects += "{\"a\":";
  write_file_atomic(deep, objects + "1" + std::string(50000, '}'));
  EXPECT_TRUE(contains(user_error(run_command(kBin + " train --config " + deep.string() + out)),
                       "settings nest deeper than 8 levels"));
  EXPECT_EQ(user_error(run_command(kBin + " train --config " + config() + " --set task.name=dataset --set " +
                                   shell_quote("task.path=\xff") + out)),
            "--set task.path: expected UTF-8 text, got '\xff'");
  EXPECT_FALSE(fs::exists(*dir_ / "never"));
}

TEST_F(CliInputValidation, DamagedWeightsFile) {
  const std::string good = weights();
  const uint64_t header_len = [&] {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(good[i]);
    return n;
  }();
  const auto eval = [](const std::string& dir) { return user_error(run_command(kBin + " eval --checkpoint " + dir)); };

  std::string beyond = good;  // header length beyond the end of the file
  const uint64_t huge = good.size();
  for (int i = 0; i < 8; ++i) beyond[i] = static_cast<char>((huge >> (8 * i)) & 0xff);
  EXPECT_TRUE(contains(eval(run_with_weights("beyond", beyond)), "exceeds file size")) << header_len;

  // The second tensor (in data order) moved back by 4 bytes, into the first one.
  nlohmann::json header = nlohmann::json::parse(good.substr(8, header_len));
  std::vector<std::string> names;
  for (const auto& [name, entry] : header.items())
    if (name != "__metadata__") names.push_back(name);
  ASSERT_GE(names.size(), 2u);
  auto& offsets = header[names[1]]["data_offsets"];
  ASSERT_EQ(offsets[0], header[names[0]]["data_offsets"][1]);
  offsets = {offsets[0].get<uint64_t>() - 4, offsets[1].get<uint64_t>() - 4};
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string overlap(8, '\0');
  for (int i = 0; i < 8; ++i) overlap[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  overlap += text + good.substr(8 + header_len);
  EXPECT_TRUE(contains(eval(run_with_weights("overlap", overlap)),
                       "model.safetensors: tensors '" + names[0] + "' and '" + names[1] + "' overlap"));

  // A well-formed file that does not fit the config (shapes: DamagedCheckpoint.*).
  auto file = safetensors::parse(good, "good");
  auto& tensor = file.tensors.begin()->second;
  tensor.dtype = safetensors::DType::I32;  // same bytes as F32
  EXPECT_TRUE(contains(eval(run_with_weights("dtype", safetensors::serialize(file))), "expected F32"));
}

TEST_F(CliInputValidation, DamagedConfigJson) {
  const fs::path copy = *dir_ / "badconfig";
  fs::create_directories(copy);
  fs::copy_file(fs::path(run()) / "model.safetensors", copy / "model.safetensors", fs::copy_options::overwrite_existing);
  write_file_atomic(copy / "config.json", "{\"model\": {\"d_model\": \"wide\"}}");
  EXPECT_EQ(user_error(run_command(kBin + " info --checkpoint " + copy.string())),
            (copy / "config.json").string() + ": 'model.d_model' must be an integer, got \"wide\"");
}

TEST_F(CliInputValidation, JsonKeysGivenTwice) {
  // The last d_model won silently; a sweep file or a dataset line the same.
  write_file_atomic(*dir_ / "d.json", R"({"model": {"d_model": 16, "d_model": 8}})");
  EXPECT_EQ(user_error(run_command(kBin + " train --quiet --config " + (*dir_ / "d.json").string() + " --out " +
                                   (*dir_ / "never").string())),
            (*dir_ / "d.json").string() + ": key 'd_model' is given twice in one object");
  write_file_atomic(*dir_ / "s.json", R"({"grid": {"seed": [1]}, "grid": {"seed": [2]}})");
  EXPECT_TRUE(contains(user_error(run_command(kBin + " sweep --quiet " + (*dir_ / "s.json").string() + " --dir " +
                                              (*dir_ / "never").string())),
                       "s.json: key 'grid' is given twice"));
  write_file_atomic(*dir_ / "data.jsonl", "{\"input\": \"a\", \"target\": \"b\"}\n"
                                          "{\"input\": \"a\", \"target\": \"b\", \"target\": \"c\"}\n");
  EXPECT_EQ(user_error(run_command(kBin + " train --quiet --config " + (*dir_ / "dataset.toml").string() + " --set " +
                                   "task.path=" + (*dir_ / "data.jsonl").string() + " --out " +
                                   (*dir_ / "never").string())),
            (*dir_ / "data.jsonl").string() + ":2: key 'target' is given twice in one object");
  EXPECT_FALSE(fs::exists(*dir_ / "never"));
}

TEST_F(CliInputValidation, NegativeSeedsAreRefusedByEveryCommand) {
  // An unsigned flag read -1 as 2^64 - 1, and that seed was recorded.
  const std::vector<std::string> commands = {
      "sample --task copy --seed -1", "theory copy --quiet --seed -1", "theory local-dp --quiet --seed -1",
      "cost --quiet --seed -1", "attention --checkpoint " + run() + " --sample --seed -1",
      "speed-worker decode --checkpoint " + run() + " --seed -1"};
  for (const auto& command : commands) {
    SCOPED_TRACE(command);
    EXPECT_EQ(user_error(run_command(kBin + " " + command)), "--seed: Value -1 not in range 0 to 9000000000000000");
  }
  EXPECT_TRUE(contains(user_error(run_command(kBin + " cost --quiet --seed 18446744073709551615")), "--seed"));
}

TEST_F(CliInputValidation, ValuesTooLargeForTheMachineAreRefusedUpFront) {
  const auto quick = [](const std::string& args) { return user_error(run_command("timeout 60 " + kBin + " " + args)); };
  // A fixed training set of 10^10 examples: memory grew until the kernel killed the process.
  EXPECT_TRUE(contains(quick("train --quiet --config " + config() + " --set train.samples=10000000000 --out " +
                             (*dir_ / "never").string()),
                       "train.samples = 10000000000 (a fixed training set held in memory) needs about"));
  // Thousands of threads.
  EXPECT_TRUE(contains(quick("--threads 100000 tasks"), "--threads 100000: at most"));
  // Evaluation sets beyond the memory, and beyond the range eval.samples has.
  EXPECT_TRUE(contains(quick("eval --checkpoint " + run() + " --samples 10000000 --sizes 90000,100000"),
                       "the evaluation set (10000000 examples for each of 2 sizes) needs about"));
  EXPECT_EQ(quick("eval --checkpoint " + run() + " --samples 10000001"),
            "--samples: Value 10000001 not in range 1 to 10000000");
  // cost: positions, timed steps and the state they need.
  write_file_atomic(*dir_ / "wide.toml", "[model]\ntype = \"transformer\"\nd_model = 1024\nn_layer = 64\n");
  EXPECT_TRUE(contains(quick("cost --quiet --model " + (*dir_ / "wide.toml").string() + " --positions 16000000"),
                       "the inference state at position 16000034 needs about"));
  EXPECT_TRUE(contains(quick("cost --quiet --quick --positions 16777217"), "--positions: 16777217 is beyond"));
  EXPECT_EQ(quick("cost --quiet --quick --tokens 100001"), "--tokens must be in 1 … 100000, got 100001");
}

TEST_F(CliInputValidation, FlagRangesReadAsNumbers) {
  // CLI11's double bounds printed 309 digits ("Value 0 not in range 0.000000 to 179769313…").
  EXPECT_EQ(user_error(run_command(kBin + " eval --checkpoint " + run() + " --samples 0")),
            "--samples: Value 0 not in range 1 to 10000000");
  EXPECT_EQ(user_error(run_command(kBin + " --threads -1 tasks")), "--threads must be ≥ 0 (0 = all cores), got -1");
  EXPECT_EQ(user_error(run_command(kBin + " attention --checkpoint " + run() + " --sample --layer -1")),
            "--layer: Value -1 not in range 0 to 9223372036854775807");
}

}  // namespace
}  // namespace fl
