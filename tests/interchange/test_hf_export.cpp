// The Hugging Face export: config.json with transformers' MambaConfig keys, model.safetensors
// under transformers' names, freelunch.json; read back as a foreign checkpoint it gives the same
// configuration and tensors. Refusals and damaged directories give one fl::Error. Torch-free
// (the logits round trip through load_checkpoint is in test_export_roundtrip.cpp).
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "core/safetensors.h"
#include "interchange/export_fixture.h"
#include "interchange/exporter.h"
#include "interchange/foreign_checkpoint.h"
#include "support/fixtures.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using interchange::CheckpointLayout;
using interchange::Target;
using test_support::error_of;
using test_support::TempDir;
using test_support::tiny_export_source;

Json read_json(const fs::path& path) { return Json::parse(read_file(path)); }

TEST(HfExport, ConfigHasTransformersMambaConfigKeys) {
  TempDir dir;
  interchange::export_model(tiny_export_source(), Target::hf, dir / "hf", false);
  const Json config = read_json(dir / "hf" / "config.json");
  const Json expected = {
      {"model_type", "mamba"}, {"architectures", {"MambaForCausalLM"}}, {"vocab_size", 7}, {"hidden_size", 4},
      {"state_size", 3}, {"num_hidden_layers", 2}, {"intermediate_size", 8}, {"conv_kernel", 3}, {"expand", 2},
      {"time_step_rank", 2}, {"use_bias", false}, {"use_conv_bias", true}, {"hidden_act", "silu"},
      {"layer_norm_epsilon", 1e-5}, {"residual_in_fp32", true}, {"tie_word_embeddings", true},
      {"time_step_min", 0.001}, {"time_step_max", 0.1}, {"time_step_floor", 1e-4}, {"time_step_scale", 1.0},
      {"time_step_init_scheme", "random"}, {"torch_dtype", "float32"}, {"pad_token_id", 0}, {"eos_token_id", 3},
      {"bos_token_id", nullptr}};
  EXPECT_EQ(config, expected) << config.dump(2);
}

TEST(HfExport, WeightsCarryTransformersNamesAndTheSidecarTheRun) {
  TempDir dir;
  const auto source = tiny_export_source();
  const auto written = interchange::export_model(source, Target::hf, dir / "hf", false);
  EXPECT_EQ(written.back(), dir / "hf" / "config.json");  // last: it marks the directory as a model
  const auto file = safetensors::load(dir / "hf" / "model.safetensors");
  EXPECT_EQ(file.metadata.at("format"), "pt");
  EXPECT_EQ(file.tensors.size(), source.weights.tensors.size() - 1);  // the tied head left out
  EXPECT_EQ(file.tensors.count("lm_head.weight"), 0u);
  EXPECT_TRUE(file.tensors.at("backbone.embeddings.weight") == source.weights.tensors.at("backbone.embedding.weight"));
  for (const auto& [name, tensor] : source.weights.tensors)
    if (name != "backbone.embedding.weight" && name != "lm_head.weight") {
      SCOPED_TRACE(name);
      EXPECT_TRUE(file.tensors.at(name) == tensor);
    }
  const Json sidecar = read_json(dir / "hf" / "freelunch.json");
  EXPECT_EQ(sidecar, (Json{{"format", 1}, {"config", source.run_config}}));
}

TEST(HfExport, ReadsBackAsTheSameModelAndTensors) {
  TempDir dir;
  const auto source = tiny_export_source();
  interchange::export_model(source, Target::hf, dir / "hf", false);
  ASSERT_EQ(interchange::checkpoint_layout(dir / "hf"), CheckpointLayout::hf);
  const auto back = interchange::read_foreign_checkpoint(dir / "hf", CheckpointLayout::hf, true);
  EXPECT_EQ(back.weights.tensors, source.weights.tensors);  // names restored, the tied head rebuilt
  const Json model = source.model.to_json();
  for (const auto& [key, value] : model.items()) {
    SCOPED_TRACE(key);
    EXPECT_EQ(back.config.values.at("model." + key), value);
  }
  EXPECT_EQ(back.config.values.at("task.name"), "copy");
}

TEST(HfExport, RefusesWhatTheTargetCannotRepresent) {
  TempDir dir;
  auto source = tiny_export_source();
  source.model.norm = "layernorm";
  EXPECT_EQ(error_of([&] { interchange::export_model(source, Target::hf, dir / "a", false); }),
            "cannot export to hf: Hugging Face's MambaForCausalLM has RMSNorm only (model.norm = layernorm)");
  EXPECT_EQ(error_of([&] { interchange::export_model(source, Target::gguf, dir / "a", false); }),
            "cannot export to gguf: llama.cpp's mamba has RMSNorm only (model.norm = layernorm)");
  source = tiny_export_source();
  source.model.expand = 3;
  EXPECT_EQ(error_of([&] { interchange::export_model(source, Target::gguf, dir / "a", false); }),
            "cannot export to gguf: llama.cpp's mamba supports expand = 2 only, d_inner = 2·d_model "
            "(model.expand = 3)");
  source.model.family = ModelFamily::transformer;
  EXPECT_NE(error_of([&] { interchange::export_model(source, Target::hf, dir / "a", false); })
                .find("model.type = transformer cannot be exported"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "a"));  // refused before anything was written
  EXPECT_EQ(error_of([] { interchange::parse_target("onnx", "--format"); }), "--format = 'onnx': expected hf or gguf");
}

TEST(HfExport, ANonEmptyOutputNeedsForceWhichReplacesOnlyTheExportsFiles) {
  TempDir dir;
  fs::create_directories(dir / "out");
  write_file_atomic(dir / "out" / "notes.txt", "mine");
  EXPECT_NE(error_of([&] { interchange::export_model(tiny_export_source(), Target::hf, dir / "out", false); })
                .find("exists and is not empty (--force"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "out" / "config.json"));
  interchange::export_model(tiny_export_source(), Target::hf, dir / "out", true);
  interchange::export_model(tiny_export_source(), Target::gguf, dir / "out", true);
  EXPECT_EQ(read_file(dir / "out" / "notes.txt"), "mine");
  EXPECT_TRUE(fs::exists(dir / "out" / "config.json"));
  EXPECT_TRUE(fs::exists(dir / "out" / "model.gguf"));
  for (const auto& entry : fs::directory_iterator(dir / "out"))  // no temporary file left behind
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

}  // namespace
}  // namespace fl
