// Directories written by other tools read as freelunch checkpoints (interchange/
// foreign_checkpoint.h): Hugging Face's and state-spaces/mamba's layouts, their defaults, and one
// fl::Error naming the file and the problem for what is missing, damaged or beyond freelunch's
// models. Torch-free.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "core/safetensors.h"
#include "interchange/export_fixture.h"
#include "interchange/exporter.h"
#include "interchange/foreign_checkpoint.h"
#include "interchange/sidecar.h"
#include "support/fixtures.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using interchange::CheckpointLayout;
using test_support::error_of;
using test_support::TempDir;
using test_support::tiny_export_source;

// An exported Hugging Face directory whose config.json `edit` changes.
fs::path hf_dir(const TempDir& dir, const std::function<void(Json&)>& edit = [](Json&) {}) {
  const fs::path out = dir / "hf";
  interchange::export_model(tiny_export_source(), interchange::Target::hf, out, false);
  Json config = Json::parse(read_file(out / "config.json"));
  edit(config);
  write_file_atomic(out / "config.json", config.dump());
  return out;
}

std::string import_error(const fs::path& dir) {
  return error_of([&] {
    interchange::read_foreign_checkpoint(dir, interchange::checkpoint_layout(dir), true);
  });
}

TEST(ForeignCheckpoint, RefusesWhatWouldComputeAnotherFunction) {
  {
    TempDir dir;
    const auto hf = hf_dir(dir, [](Json& c) { c["use_bias"] = true; });
    EXPECT_EQ(import_error(hf), (hf / "config.json").string() + ": use_bias = true, but freelunch's mamba has false");
  }
  {
    TempDir dir;  // transformers' default for an absent use_bias is true
    const auto hf = hf_dir(dir, [](Json& c) { c.erase("use_bias"); });
    EXPECT_NE(import_error(hf).find("use_bias = true"), std::string::npos);
  }
  {
    TempDir dir;
    const auto hf = hf_dir(dir, [](Json& c) { c["intermediate_size"] = 12; });
    EXPECT_NE(import_error(hf).find("intermediate_size = 12, but freelunch's mamba has 8"), std::string::npos);
  }
  {
    TempDir dir;
    const auto hf = hf_dir(dir, [](Json& c) { c["model_type"] = "llama"; });
    EXPECT_NE(import_error(hf).find("model_type 'llama' is not one freelunch reads (mamba)"), std::string::npos);
  }
  {
    TempDir dir;
    const auto hf = hf_dir(dir, [](Json& c) { c["hidden_size"] = "four"; });
    EXPECT_NE(import_error(hf).find("hidden_size = \"four\" must be an integer"), std::string::npos);
  }
}

TEST(ForeignCheckpoint, DefaultsAndAutoFollowTransformers) {
  TempDir dir;
  const auto hf = hf_dir(dir, [](Json& c) {
    c["time_step_rank"] = "auto";  // ceil(4 / 16) = 1: the tensors no longer fit, but the config reads
    c.erase("time_step_min");
  });
  Json sidecar = Json::parse(read_file(hf / "freelunch.json"));
  sidecar["config"]["model"].erase("dt_rank");
  sidecar["config"]["model"].erase("dt_min");
  write_file_atomic(hf / "freelunch.json", sidecar.dump());
  const auto back = interchange::read_foreign_checkpoint(hf, CheckpointLayout::hf, false);
  EXPECT_EQ(back.config.values.at("model.dt_rank"), 1);
  EXPECT_EQ(back.config.values.at("model.dt_min"), 0.001);
}

TEST(ForeignCheckpoint, TheSidecarNamesTheTaskAndMayNotContradictConfigJson) {
  TempDir dir;
  const auto hf = hf_dir(dir);
  write_file_atomic(hf / "freelunch.json", R"({"format": 1, "config": {"model": {"d_model": 8}}})");
  EXPECT_EQ(import_error(hf), (hf / "freelunch.json").string() + ": model.d_model = 8, but config.json gives 4");
  write_file_atomic(hf / "freelunch.json", R"({"format": 1, "config": {"task": {"name": "copy"}}, "extra": 1})");
  EXPECT_NE(import_error(hf).find("unknown key 'extra'"), std::string::npos);
  write_file_atomic(hf / "freelunch.json", R"({"format": 1, "config": {"task": {"name": "copy"}}})");
  EXPECT_EQ(import_error(hf), "");  // a hand-written sidecar: the model keys come from config.json
  fs::remove(hf / "freelunch.json");
  EXPECT_NE(import_error(hf).find("freelunch.json: missing; it names the task"), std::string::npos);
}

TEST(ForeignCheckpoint, MissingOrDamagedWeightsAreOneError) {
  TempDir dir;
  const auto hf = hf_dir(dir);
  const std::string weights = read_file(hf / "model.safetensors");
  write_file_atomic(hf / "model.safetensors", weights.substr(0, weights.size() / 2));  // half written
  const std::string half = import_error(hf);
  EXPECT_EQ(half.find((hf / "model.safetensors").string() + ": "), 0u) << half;
  EXPECT_EQ(half.find('\n'), std::string::npos);
  fs::remove(hf / "model.safetensors");
  EXPECT_EQ(import_error(hf), (hf / "model.safetensors").string() + ": missing");
  write_file_atomic(hf / "pytorch_model.bin", "PK");
  EXPECT_NE(import_error(hf).find("pytorch_model.bin: a Python pickle, which freelunch does not read"),
            std::string::npos);
}

TEST(ForeignCheckpoint, AnUntiedHeadMustBeInTheFile) {
  TempDir dir;
  const auto hf = hf_dir(dir, [](Json& c) { c["tie_word_embeddings"] = false; });
  EXPECT_NE(import_error(hf).find("no 'lm_head.weight' and the head is not tied"), std::string::npos);
}

// state-spaces/mamba's save_pretrained layout, with its weights as safetensors.
fs::path mamba_ssm_dir(const TempDir& dir, const Json& config) {
  const auto source = tiny_export_source();
  const fs::path out = dir / "ssm";
  fs::create_directories(out);
  safetensors::File weights = source.weights;
  weights.tensors.erase("lm_head.weight");  // tie_embeddings: rebuilt from the embedding
  safetensors::save(out / "model.safetensors", weights);
  write_file_atomic(out / interchange::kSidecarName, R"({"format": 1, "config": {"task": {"name": "copy"}}})");
  write_file_atomic(out / "config.json", config.dump());
  return out;
}

TEST(ForeignCheckpoint, ReadsStateSpacesMambaLayout) {
  TempDir dir;
  const Json config = {{"d_model", 4}, {"n_layer", 2}, {"vocab_size", 5}, {"pad_vocab_size_multiple", 7},
                       {"ssm_cfg", {{"d_state", 3}, {"d_conv", 3}, {"dt_rank", 2}}}, {"rms_norm", true},
                       {"residual_in_fp32", true}, {"fused_add_norm", true}, {"tie_embeddings", true}};
  const auto ssm = mamba_ssm_dir(dir, config);
  ASSERT_EQ(interchange::checkpoint_layout(ssm), CheckpointLayout::mamba_ssm);
  const auto back = interchange::read_foreign_checkpoint(ssm, CheckpointLayout::mamba_ssm, true);
  EXPECT_EQ(back.weights.tensors, tiny_export_source().weights.tensors);
  const std::map<std::string, Json> expected = {
      {"model.type", "mamba"}, {"model.d_model", 4}, {"model.n_layer", 2}, {"model.vocab_size", 7},  // 5 padded to 7
      {"model.norm", "rmsnorm"}, {"model.norm_eps", 1e-5}, {"model.d_state", 3}, {"model.d_conv", 3},
      {"model.expand", 2}, {"model.dt_rank", 2}, {"model.dt_min", 0.001}, {"model.dt_max", 0.1},
      {"model.dt_init_floor", 1e-4}};
  for (const auto& [key, value] : expected) EXPECT_EQ(back.config.values.at(key), value) << key;

  TempDir other;
  Json mamba2 = config;
  mamba2["ssm_cfg"]["layer"] = "Mamba2";
  EXPECT_NE(import_error(mamba_ssm_dir(other, mamba2)).find("ssm_cfg.layer = \"Mamba2\" (freelunch reads Mamba1"),
            std::string::npos);
  TempDir hybrid;
  Json with_attention = config;
  with_attention["attn_layer_idx"] = {1};
  EXPECT_NE(import_error(mamba_ssm_dir(hybrid, with_attention)).find("attn_layer_idx is not empty"), std::string::npos);
}

}  // namespace
}  // namespace fl
