// `freelunch export` end to end: a trained-shape checkpoint exported to Hugging Face and loaded
// back through load_checkpoint gives the same logits bit for bit and the same generations
// through the CLI; GGUF export writes a file the test reader parses; what a target cannot
// represent and damaged directories give one-line errors (exit 2).
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "interchange/gguf_reader.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "train/checkpoint.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::expect_one_line_error;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = std::string(FREELUNCH_BINARY) + " --threads 1";

constexpr const char* kMamba =
    R"({"seed": 3, "model": {"type": "mamba", "d_model": 16, "n_layer": 2, "d_state": 4}, "task": {"name": "copy", "vocab": 6}})";

// A checkpoint of kMamba (or `json`) with seeded random weights in dir/run.
fs::path checkpoint(const TempDir& dir, const char* json = kMamba) {
  const auto config = test_support::config_from_json(json);
  torch::manual_seed(5);
  LanguageModel model(config.model);
  save_checkpoint(dir / "run", model, config);
  return dir / "run";
}

std::string export_command(const fs::path& from, const std::string& format, const fs::path& out) {
  return kBin + " export --checkpoint " + shell_quote(from.string()) + " --format " + format + " --out " +
         shell_quote(out.string());
}

TEST(ExportCli, HuggingFaceRoundTripGivesIdenticalLogits) {
  TempDir dir;
  const auto run = checkpoint(dir);
  const auto r = run_command(export_command(run, "hf", dir / "hf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"config.json", "model.safetensors", "freelunch.json"})
    EXPECT_TRUE(fs::exists(dir / "hf" / name)) << name;

  auto original = load_checkpoint(run);
  auto back = load_checkpoint(dir / "hf");
  EXPECT_EQ(back.config.to_json(), original.config.to_json());
  torch::NoGradGuard no_grad;
  const auto tokens = torch::randint(0, original.config.model.vocab_size, {3, 11}, torch::kLong);  // (B, L)
  EXPECT_TRUE(torch::equal(back.model->forward(tokens), original.model->forward(tokens)));  // (B, L, V)

  // The commands that take --checkpoint read the directory as they read the run.
  const std::string prompt = " --prompt " + shell_quote("$ a b c |") + " --max-new 5 --ids";
  const auto from_run = run_command(kBin + " generate --checkpoint " + shell_quote(run.string()) + prompt);
  const auto from_hf = run_command(kBin + " generate --checkpoint " + shell_quote((dir / "hf").string()) + prompt);
  ASSERT_EQ(from_hf.exit_code, 0) << from_hf.err;
  EXPECT_EQ(from_hf.out, from_run.out);
  const auto info = run_command(kBin + " info --checkpoint " + shell_quote((dir / "hf").string()));
  EXPECT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(info.out, run_command(kBin + " info --checkpoint " + shell_quote(run.string())).out);

  // Exported again from the Hugging Face directory: the same files.
  ASSERT_EQ(run_command(export_command(dir / "hf", "hf", dir / "hf2")).exit_code, 0);
  for (const char* name : {"config.json", "model.safetensors", "freelunch.json"})
    EXPECT_EQ(read_file(dir / "hf2" / name), read_file(dir / "hf" / name)) << name;
}

TEST(ExportCli, GgufHasOneTensorPerWeightButTheTiedHead) {
  TempDir dir;
  const auto run = checkpoint(dir);
  const auto r = run_command(export_command(run, "gguf", dir / "gguf"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto gguf = test_support::read_gguf(read_file(dir / "gguf" / "model.gguf"));
  EXPECT_EQ(gguf.tensors.size(), 1 + 2 * 10 + 1u);
  EXPECT_EQ(gguf.value("mamba.embedding_length").u, 16u);
  EXPECT_EQ(gguf.value("tokenizer.ggml.tokens").items.size(),
            static_cast<size_t>(load_checkpoint(run).config.model.vocab_size));
}

TEST(ExportCli, RefusalsAndDamageAreOneLineErrors) {
  TempDir dir;
  const auto transformer = checkpoint(
      dir, R"({"model": {"type": "transformer", "d_model": 16, "n_layer": 1, "n_head": 2}, "task": {"name": "copy"}})");
  expect_one_line_error(run_command(export_command(transformer, "gguf", dir / "out")),
                        "model.type = transformer cannot be exported or imported (only Mamba-1 can)");
  EXPECT_FALSE(fs::exists(dir / "out"));
  TempDir lstm_dir;
  const auto lstm = checkpoint(lstm_dir, R"({"model": {"type": "lstm", "d_model": 16, "n_layer": 1}, "task": {"name": "copy"}})");
  expect_one_line_error(run_command(export_command(lstm, "hf", dir / "out")),
                        "model.type = lstm cannot be exported or imported (only Mamba-1 can)");
  EXPECT_FALSE(fs::exists(dir / "out"));
  expect_one_line_error(run_command(export_command(transformer, "onnx", dir / "out")), "expected hf or gguf");

  TempDir other;
  const auto run = checkpoint(other);
  ASSERT_EQ(run_command(export_command(run, "hf", other / "hf")).exit_code, 0);
  expect_one_line_error(run_command(export_command(run, "hf", other / "hf")), "exists and is not empty (--force");
  EXPECT_EQ(run_command(export_command(run, "hf", other / "hf") + " --force").exit_code, 0);

  const std::string weights = read_file(other / "hf" / "model.safetensors");
  write_file_atomic(other / "hf" / "model.safetensors", weights.substr(0, weights.size() - 100));
  expect_one_line_error(run_command(kBin + " eval --checkpoint " + shell_quote((other / "hf").string())),
                        "model.safetensors");
  write_file_atomic(other / "hf" / "model.safetensors", weights);  // whole again: the sidecar's errors next
  Json sidecar = Json::parse(read_file(other / "hf" / "freelunch.json"));
  sidecar["config"]["model"]["n_head"] = 4;  // a Transformer's key in a Mamba's sidecar
  write_file_atomic(other / "hf" / "freelunch.json", sidecar.dump());
  expect_one_line_error(run_command(kBin + " info --checkpoint " + shell_quote((other / "hf").string())),
                        "freelunch.json: model.n_head applies to model.type = transformer, hybrid or linear, not to mamba");
  fs::remove(other / "hf" / "freelunch.json");
  expect_one_line_error(run_command(kBin + " info --checkpoint " + shell_quote((other / "hf").string())),
                        "freelunch.json: missing; it names the task");
}

}  // namespace
}  // namespace fl
