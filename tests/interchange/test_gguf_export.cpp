// The GGUF export read back by an independent reader (gguf_reader.h) and checked against
// llama.cpp's conventions written out here: every key with its type and value, every tensor's
// name, dims (ggml order), type, aligned offset and data, with ssm_a = −exp(A_log) and the conv
// kernel squeezed to 2-D (docs/EXPORT.md). Torch-free.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "interchange/export_fixture.h"
#include "interchange/gguf_export.h"
#include "interchange/gguf_reader.h"
#include "support/fixtures.h"

namespace fl {
namespace {

using test_support::error_of;
using test_support::GgufRead;
using test_support::read_gguf;
using test_support::tiny_export_source;
using test_support::values_of;

constexpr uint32_t kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7, kString = 8, kArray = 9;

GgufRead exported(const interchange::ExportSource& source) {
  const auto files = interchange::gguf_files(source, interchange::mamba1_naming());
  EXPECT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].name, "model.gguf");
  return read_gguf(files[0].bytes);
}

TEST(GgufExport, EveryKeyHasLlamaCppsNameTypeAndValue) {
  const auto source = tiny_export_source();
  const GgufRead r = exported(source);
  EXPECT_EQ(r.version, 3u);
  struct Scalar {
    std::string key;
    uint32_t type;
    double number;
    std::string text;
  };
  const std::vector<Scalar> expected = {
      {"general.architecture", kString, 0, "mamba"},
      {"general.type", kString, 0, "model"},
      {"general.name", kString, 0, "freelunch mamba d4×2 N3"},
      {"general.file_type", kU32, 0, ""},
      {"general.quantization_version", kU32, 2, ""},
      {"mamba.vocab_size", kU32, 7, ""},
      {"mamba.context_length", kU32, 1048576, ""},
      {"mamba.embedding_length", kU32, 4, ""},
      {"mamba.feed_forward_length", kU32, 0, ""},
      {"mamba.attention.head_count", kU32, 0, ""},
      {"mamba.block_count", kU32, 2, ""},
      {"mamba.ssm.conv_kernel", kU32, 3, ""},
      {"mamba.ssm.inner_size", kU32, 8, ""},
      {"mamba.ssm.state_size", kU32, 3, ""},
      {"mamba.ssm.time_step_rank", kU32, 2, ""},
      {"mamba.attention.layer_norm_rms_epsilon", kF32, static_cast<float>(1e-5), ""},
      {"mamba.ssm.dt_b_c_rms", kBool, 0, ""},
      {"tokenizer.ggml.model", kString, 0, "none"},
      {"tokenizer.ggml.eos_token_id", kU32, 3, ""},
      {"tokenizer.ggml.padding_token_id", kU32, 0, ""},
  };
  for (const auto& e : expected) {
    SCOPED_TRACE(e.key);
    const auto& v = r.value(e.key);
    ASSERT_EQ(v.type, e.type);
    if (e.type == kString) {
      EXPECT_EQ(v.s, e.text);
    } else if (e.type == kF32) {
      EXPECT_EQ(v.f, e.number);
    } else {
      EXPECT_EQ(static_cast<double>(v.u), e.number);
    }
  }
  const auto& tokens = r.value("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.type, kArray);
  ASSERT_EQ(tokens.item_type, kString);
  std::vector<std::string> names;
  for (const auto& t : tokens.items) names.push_back(t.s);
  EXPECT_EQ(names, (std::vector<std::string>{"*", "$", "|", ".", "a", "b", "<unused 6>"}));
  const auto& types = r.value("tokenizer.ggml.token_type");
  ASSERT_EQ(types.type, kArray);
  ASSERT_EQ(types.item_type, kI32);
  std::vector<int64_t> kinds;
  for (const auto& t : types.items) kinds.push_back(t.i);
  EXPECT_EQ(kinds, (std::vector<int64_t>{3, 1, 1, 3, 1, 1, 5}));  // control: pad, eos; unused: beyond the task
  EXPECT_EQ(r.metadata.size(), expected.size() + 2);  // nothing else
  EXPECT_EQ(r.metadata.front().first, "general.architecture");
}

TEST(GgufExport, EveryTensorHasItsNameDimsTypeOffsetAndData) {
  const auto source = tiny_export_source();
  const GgufRead r = exported(source);
  const uint64_t V = 7, D = 4, Di = 8, N = 3, K = 3, R = 2;
  struct Expected {
    std::string gguf, freelunch;
    std::vector<uint64_t> dims;  // ggml order: numpy's shape reversed
  };
  std::vector<Expected> expected = {{"token_embd.weight", "backbone.embedding.weight", {D, V}}};
  for (int i = 0; i < 2; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".", p = "backbone.layers." + std::to_string(i) + ".";
    expected.push_back({b + "attn_norm.weight", p + "norm.weight", {D}});
    expected.push_back({b + "ssm_in.weight", p + "mixer.in_proj.weight", {D, 2 * Di}});
    expected.push_back({b + "ssm_conv1d.weight", p + "mixer.conv1d.weight", {K, Di}});
    expected.push_back({b + "ssm_conv1d.bias", p + "mixer.conv1d.bias", {Di}});
    expected.push_back({b + "ssm_x.weight", p + "mixer.x_proj.weight", {Di, R + 2 * N}});
    expected.push_back({b + "ssm_dt.weight", p + "mixer.dt_proj.weight", {R, Di}});
    expected.push_back({b + "ssm_dt.bias", p + "mixer.dt_proj.bias", {Di}});
    expected.push_back({b + "ssm_a", p + "mixer.A_log", {N, Di}});
    expected.push_back({b + "ssm_d", p + "mixer.D", {Di}});
    expected.push_back({b + "ssm_out.weight", p + "mixer.out_proj.weight", {Di, D}});
  }
  expected.push_back({"output_norm.weight", "backbone.norm_f.weight", {D}});
  ASSERT_EQ(r.tensors.size(), expected.size());  // no output.weight: the head is tied

  EXPECT_EQ(r.data_start % 32, 0u);
  uint64_t next_offset = 0;
  for (size_t k = 0; k < expected.size(); ++k) {
    const auto& e = expected[k];
    const auto& t = r.tensors[k];
    SCOPED_TRACE(e.gguf);
    EXPECT_EQ(t.name, e.gguf);
    EXPECT_EQ(t.dims, e.dims);
    EXPECT_EQ(t.type, 0u);  // GGML_TYPE_F32
    EXPECT_EQ(t.offset, next_offset);  // packed in order, each padded to the alignment
    uint64_t n = 1;
    for (uint64_t d : e.dims) n *= d;
    next_offset = t.offset + (n * 4 + 31) / 32 * 32;

    std::vector<float> want = values_of(source.weights.at(e.freelunch, "source"));
    if (e.freelunch.find("A_log") != std::string::npos)
      for (float& a : want) a = -std::exp(a);
    EXPECT_EQ(r.floats(e.gguf), want);
  }
  EXPECT_EQ(r.file.size(), r.data_start + next_offset);
}

TEST(GgufExport, TheWriterRefusesWhatTheFormatCannotHold) {
  using interchange::GgufTensor;
  EXPECT_NE(error_of([] { interchange::serialize_gguf({{"a", uint32_t{1}}, {"a", uint32_t{2}}}, {}); }).find("twice"),
            std::string::npos);
  EXPECT_NE(error_of([] { interchange::serialize_gguf({}, {GgufTensor{"t", {2, 2}, std::string(12, '\0')}}); })
                .find("bytes for its shape"),
            std::string::npos);
  EXPECT_NE(error_of([] { interchange::serialize_gguf({{"k", std::vector<std::string>{}}}, {}); }).find("empty"),
            std::string::npos);
}

}  // namespace
}  // namespace fl
