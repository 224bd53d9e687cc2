// Checkpoints: save → load is bit-identical; damaged or mismatched files are rejected with an
// fl::Error naming the file and the problem.
#include <gtest/gtest.h>

#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/safetensors.h"
#include "support/fixtures.h"
#include "train/checkpoint.h"

namespace fl {
namespace {

using test_support::TempDir;

const char* kMamba = R"({"seed": 5, "model": {"type": "mamba", "d_model": 16, "n_layer": 2, "d_state": 4}})";
const char* kGpt = R"({"seed": 5, "model": {"type": "transformer", "d_model": 16, "n_layer": 2, "pos": "learned", "max_len": 32}})";

void expect_error_containing(const std::function<void()>& f, const std::string& phrase) {
  try {
    f();
    ADD_FAILURE() << "expected fl::Error containing '" << phrase << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, RoundTripIsBitIdentical) {
  for (const char* json : {kMamba, kGpt}) {
    TempDir dir;
    auto config = test_support::config_from_json(json);
    torch::manual_seed(11);
    LanguageModel model(config.model);
    save_checkpoint(dir.path(), model, config);
    auto loaded = load_checkpoint(dir.path());
    auto a = model->named_weights(), b = loaded.model->named_weights();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].first, b[i].first);
      EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
    }
    EXPECT_EQ(loaded.config.to_json(), config.to_json());
    // Saving the loaded model again produces the same bytes.
    TempDir again;
    save_checkpoint(again.path(), loaded.model, loaded.config);
    EXPECT_EQ(read_file(dir / "model.safetensors"), read_file(again / "model.safetensors"));
    EXPECT_EQ(read_file(dir / "config.json"), read_file(again / "config.json"));
  }
}

TEST(Checkpoint, MambaNamesFollowMambaLMHeadModel) {
  TempDir dir;
  auto config = test_support::config_from_json(kMamba);
  LanguageModel model(config.model);
  save_checkpoint(dir.path(), model, config);
  auto file = safetensors::load(dir / "model.safetensors");
  const int64_t Di = 32, N = 4, R = 1, K = 4, D = 16, V = config.model.vocab_size;
  std::map<std::string, std::vector<int64_t>> expected = {
      {"backbone.embedding.weight", {V, D}}, {"backbone.norm_f.weight", {D}}, {"lm_head.weight", {V, D}}};
  for (int i = 0; i < 2; ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    expected[p + "norm.weight"] = {D};
    expected[p + "mixer.in_proj.weight"] = {2 * Di, D};
    expected[p + "mixer.conv1d.weight"] = {Di, 1, K};
    expected[p + "mixer.conv1d.bias"] = {Di};
    expected[p + "mixer.x_proj.weight"] = {R + 2 * N, Di};
    expected[p + "mixer.dt_proj.weight"] = {Di, R};
    expected[p + "mixer.dt_proj.bias"] = {Di};
    expected[p + "mixer.A_log"] = {Di, N};
    expected[p + "mixer.D"] = {Di};
    expected[p + "mixer.out_proj.weight"] = {D, Di};
  }
  ASSERT_EQ(file.tensors.size(), expected.size());
  for (const auto& [name, shape] : expected) EXPECT_EQ(file.at(name, "test").shape, shape) << name;
}

class DamagedCheckpoint : public testing::Test {
 protected:
  void SetUp() override {
    config_ = test_support::config_from_json(kMamba);
    LanguageModel model(config_.model);
    save_checkpoint(dir_.path(), model, config_);
    // Without the manifest the checksums do not stop these edits first: this tests the parser's
    // own checks, as on a checkpoint written before manifests (checksums: test_resume.cpp).
    std::filesystem::remove(dir_ / kManifestName);
    file_ = safetensors::load(dir_ / "model.safetensors");
  }
  void rewrite() { safetensors::save(dir_ / "model.safetensors", file_); }
  void load() { load_checkpoint(dir_.path()); }
  TempDir dir_;
  RunConfig config_;
  safetensors::File file_;
};

TEST_F(DamagedCheckpoint, TruncatedWeights) {
  auto bytes = read_file(dir_ / "model.safetensors");
  write_file_atomic(dir_ / "model.safetensors", bytes.substr(0, bytes.size() - 7));
  expect_error_containing([&] { load(); }, "model.safetensors");
}

TEST_F(DamagedCheckpoint, MissingTensor) {
  file_.tensors.erase("backbone.layers.1.mixer.D");
  rewrite();
  expect_error_containing([&] { load(); }, "missing tensor 'backbone.layers.1.mixer.D'");
}

TEST_F(DamagedCheckpoint, UnexpectedTensor) {
  file_.tensors.emplace("backbone.layers.2.mixer.D", file_.tensors.at("backbone.layers.1.mixer.D"));
  rewrite();
  expect_error_containing([&] { load(); }, "unexpected tensor 'backbone.layers.2.mixer.D'");
}

TEST_F(DamagedCheckpoint, ShapeMismatchWithConfig) {
  auto config_text = read_file(dir_ / "config.json");
  auto j = Json::parse(config_text);
  j["model"]["d_state"] = 8;
  write_file_atomic(dir_ / "config.json", j.dump());
  expect_error_containing([&] { load(); }, "has shape");
}

TEST_F(DamagedCheckpoint, WrongDtype) {
  auto& t = file_.tensors.at("backbone.norm_f.weight");
  t.dtype = safetensors::DType::I32;
  rewrite();
  expect_error_containing([&] { load(); }, "dtype I32, expected F32");
}

TEST_F(DamagedCheckpoint, UntiedHead) {
  auto& t = file_.tensors.at("lm_head.weight");
  t.bytes[0] ^= 0x55;
  rewrite();
  expect_error_containing([&] { load(); }, "lm_head.weight differs");
}

TEST_F(DamagedCheckpoint, BadConfig) {
  write_file_atomic(dir_ / "config.json", "{\"model\": {\"d_model\": \"wide\"}}");
  expect_error_containing([&] { load(); }, "'model.d_model' must be an integer");
  write_file_atomic(dir_ / "config.json", "{not json");
  expect_error_containing([&] { load(); }, "not valid JSON");
  std::filesystem::remove(dir_ / "config.json");
  expect_error_containing([&] { load(); }, "missing config.json");
  expect_error_containing([&] { load_checkpoint(dir_ / "nowhere"); }, "not a checkpoint directory");
}

}  // namespace
}  // namespace fl
