// safetensors reading/writing, its validation, and the atomic file I/O beneath it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/safetensors.h"

namespace fl::safetensors {
namespace {

namespace fs = std::filesystem;

std::string le64(uint64_t value) {
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

// A file from a literal JSON header and data buffer, as the spec lays it out.
std::string file_bytes(const std::string& header, const std::string& data = "") {
  return le64(header.size()) + header + data;
}

Tensor tensor(DType dtype, std::vector<int64_t> shape) {
  Tensor t{dtype, std::move(shape), ""};
  for (int64_t i = 0; i < t.numel() * static_cast<int64_t>(dtype_size(dtype)); ++i) {
    t.bytes += static_cast<char>(i * 7 + 1);
  }
  return t;
}

File sample_file() {
  File file;
  file.metadata = {{"format", "pt"}, {"step", "120"}};
  file.tensors["embed.weight"] = tensor(DType::F32, {4, 3});
  file.tensors["scale"] = tensor(DType::F64, {});  // 0-d scalar
  file.tensors["empty"] = tensor(DType::BF16, {2, 0});
  file.tensors["mask"] = tensor(DType::BOOL, {5});
  file.tensors["ids"] = tensor(DType::I64, {2});
  file.tensors["h"] = tensor(DType::F16, {3});
  file.tensors["i32"] = tensor(DType::I32, {1, 1});
  file.tensors["i16"] = tensor(DType::I16, {3});
  file.tensors["i8"] = tensor(DType::I8, {3});
  file.tensors["u8"] = tensor(DType::U8, {7});
  return file;
}

// Expects parse() to reject `bytes` with an fl::Error naming the source and containing `phrase`.
void expect_rejected(const std::string& bytes, const std::string& phrase) {
  try {
    parse(bytes, "bad.safetensors");
    ADD_FAILURE() << "accepted, expected an error containing: " << phrase;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("bad.safetensors: ", 0), 0u) << message;
    EXPECT_NE(message.find(phrase), std::string::npos) << "'" << phrase << "' not in: " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// One F32 tensor "a" of shape [2] with the given entry fields spliced in.
std::string one_entry(const std::string& fields, const std::string& data = std::string(8, 'x')) {
  return file_bytes("{\"a\":{" + fields + "}}", data);
}

TEST(SafetensorsDType, NamesSizesAndParsing) {
  const DType all[] = {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64,
                       DType::I32, DType::I16, DType::I8,  DType::U8,   DType::BOOL};
  for (DType d : all) EXPECT_EQ(parse_dtype(dtype_name(d)), d);
  EXPECT_STREQ(dtype_name(DType::BF16), "BF16");
  EXPECT_EQ(dtype_size(DType::F64), 8u);
  EXPECT_EQ(dtype_size(DType::BF16), 2u);
  EXPECT_EQ(dtype_size(DType::BOOL), 1u);
  EXPECT_THROW(parse_dtype("F8_E4M3"), Error);
  EXPECT_THROW(parse_dtype("f32"), Error);
}

TEST(Safetensors, SerializeParseSerializeIsByteIdentical) {
  const File file = sample_file();
  const std::string bytes = serialize(file);
  const File parsed = parse(bytes, "mem");
  EXPECT_EQ(parsed, file);
  EXPECT_EQ(serialize(parsed), bytes);
  EXPECT_EQ(parsed.at("scale", "mem").numel(), 1);
  EXPECT_EQ(parsed.at("empty", "mem").numel(), 0);
  EXPECT_TRUE(parsed.at("empty", "mem").bytes.empty());
}

TEST(Safetensors, HeaderIsPaddedWithSpacesToEightBytes) {
  for (const char* name : {"a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh"}) {
    File file;
    file.tensors[name] = tensor(DType::U8, {3});
    const std::string bytes = serialize(file);
    uint64_t header_size = 0;
    for (int i = 7; i >= 0; --i) header_size = header_size << 8 | static_cast<uint8_t>(bytes[i]);
    EXPECT_EQ((8 + header_size) % 8, 0u) << name;
    EXPECT_EQ(bytes.size(), 8 + header_size + 3);
    const std::string header = bytes.substr(8, header_size);
    const std::string json =
        "{\"" + std::string(name) + R"(":{"data_offsets":[0,3],"dtype":"U8","shape":[3]}})";
    EXPECT_EQ(header, json + std::string(header_size - json.size(), ' '));
  }
}

TEST(Safetensors, EmptyFileRoundTrips) {
  const std::string bytes = serialize(File{});
  EXPECT_EQ(bytes, le64(8) + "{}      ");
  EXPECT_EQ(parse(bytes, "mem"), File{});
}

TEST(Safetensors, ParsesHandWrittenFile) {
  // Offsets out of name order, padding not a multiple of 8: both allowed by the spec.
  const std::string header =
      R"({"__metadata__":{"format":"pt"},)"
      R"("w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},)"
      R"("b":{"dtype":"I16","shape":[2],"data_offsets":[0,4]}}   )";
  const std::string data("\x01\x00\xff\xff"           // I16 1, -1
                         "\x00\x00\x80\x3f"           // F32 1.0
                         "\x00\x00\x00\xc0", 12);     // F32 -2.0
  const File file = parse(file_bytes(header, data), "hand.safetensors");
  EXPECT_EQ(file.metadata, (std::map<std::string, std::string>{{"format", "pt"}}));
  ASSERT_EQ(file.tensors.size(), 2u);
  const Tensor& w = file.at("w", "hand.safetensors");
  EXPECT_EQ(w.dtype, DType::F32);
  EXPECT_EQ(w.shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(w.bytes, data.substr(4, 8));
  float values[2];
  std::memcpy(values, w.bytes.data(), sizeof values);  // the test host is little-endian
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[1], -2.0f);
  const Tensor& b = file.at("b", "hand.safetensors");
  EXPECT_EQ(b.dtype, DType::I16);
  EXPECT_EQ(b.bytes, data.substr(0, 4));
}

TEST(Safetensors, AtNamesTheMissingTensor) {
  const File file = sample_file();
  try {
    file.at("lm_head", "ckpt.safetensors");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "ckpt.safetensors: missing tensor 'lm_head'");
  }
}

TEST(Safetensors, RejectsBadFraming) {
  expect_rejected("", "file is 0 bytes, too short");
  expect_rejected("abcde", "file is 5 bytes, too short");
  expect_rejected(le64(0) + "{}", "header length is 0");
  expect_rejected(le64(200'000'000) + "{}", "exceeds the 100000000-byte limit");
  expect_rejected(le64(~0ull) + "{}", "exceeds the 100000000-byte limit");
  expect_rejected(le64(9000) + std::string(112, ' '), "header length 9000 exceeds file size 120");
}

TEST(Safetensors, RejectsBadJson) {
  expect_rejected(file_bytes("{not json"), "header is not valid JSON");
  expect_rejected(file_bytes("{} trailing"), "header is not valid JSON");
  expect_rejected(file_bytes("{\"a\xff\":1}"), "header is not valid JSON");  // invalid UTF-8
  expect_rejected(file_bytes("[1,2]"), "header is not a JSON object");
  expect_rejected(file_bytes("\"text\""), "header is not a JSON object");
  expect_rejected(file_bytes(R"({"a":{},"a":{}})"), "duplicate key 'a'");
  expect_rejected(file_bytes(R"({"a":{"shape":[[1]]}})"), "nests objects or arrays deeper");
  expect_rejected(file_bytes(std::string(100000, '[') + std::string(100000, ']')),
                  "nests objects or arrays deeper");
}

TEST(Safetensors, RejectsMalformedEntries) {
  expect_rejected(file_bytes(R"({"a":5})"), "tensor 'a': entry is not a JSON object");
  expect_rejected(file_bytes(R"({"":{"dtype":"U8","shape":[],"data_offsets":[0,1]}})", "x"),
                  "empty tensor name");
  const std::string shape = R"("shape":[2],)";
  const std::string offsets = R"("data_offsets":[0,8])";
  expect_rejected(one_entry(shape + offsets), "tensor 'a': \"dtype\" must be a string");
  expect_rejected(one_entry(R"("dtype":4,)" + shape + offsets), "\"dtype\" must be a string");
  expect_rejected(one_entry(R"("dtype":"F8",)" + shape + offsets), "tensor 'a': unknown dtype 'F8'");
  const std::string dtype = R"("dtype":"F32",)";
  for (const char* bad : {"", R"("shape":2,)", R"("shape":[2.0],)", R"("shape":["2"],)"}) {
    expect_rejected(one_entry(dtype + bad + offsets), "\"shape\" must be an array of integers");
  }
  for (const char* bad : {"", R"(,"data_offsets":[0])", R"(,"data_offsets":[0,8,8])",
                          R"(,"data_offsets":"0,8")", R"(,"data_offsets":[-1,8])",
                          R"(,"data_offsets":[0,8.0])", R"(,"data_offsets":{"0":8})"}) {
    expect_rejected(one_entry(dtype + R"("shape":[2])" + bad),
                    "\"data_offsets\" must be two non-negative integers");
  }
}

TEST(Safetensors, RejectsBadShapesAndOffsets) {
  const std::string dtype = R"("dtype":"F32",)";
  const std::string offsets = R"(,"data_offsets":[0,8])";
  expect_rejected(one_entry(dtype + R"("shape":[-2])" + offsets), "negative dimension -2");
  expect_rejected(one_entry(dtype + R"("shape":[4294967296,4294967296])" + offsets),
                  "overflows the element count");
  expect_rejected(one_entry(dtype + R"("shape":[9223372036854775808])" + offsets),
                  "overflows the element count");
  expect_rejected(one_entry(dtype + R"("shape":[2],"data_offsets":[8,0])"), "has begin after end");
  expect_rejected(one_entry(dtype + R"("shape":[2],"data_offsets":[0,16])"),
                  "data_offsets [0,16] exceeds the 8-byte data buffer");
  expect_rejected(one_entry(dtype + R"("shape":[3])" + offsets),
                  "spans 8 bytes but shape [3] of F32 needs 12");
}

TEST(Safetensors, RejectsBadLayout) {
  const std::string u8 = R"({"dtype":"U8","shape":[4],"data_offsets":)";
  expect_rejected(file_bytes(R"({"a":)" + u8 + R"([0,4]},"b":)" + u8 + "[2,6]}}", "123456"),
                  "tensors 'a' and 'b' overlap");
  expect_rejected(file_bytes(R"({"a":)" + u8 + R"([0,4]},"b":)" + u8 + "[8,12]}}",
                             std::string(12, 'x')),
                  "gap of 4 bytes before tensor 'b'");
  expect_rejected(file_bytes(R"({"a":)" + u8 + "[0,4]}}", "123456"),
                  "2 trailing bytes in the data buffer");
  expect_rejected(file_bytes("{}", "1"), "1 trailing bytes");
}

TEST(Safetensors, RejectsBadMetadata) {
  expect_rejected(file_bytes(R"({"__metadata__":["pt"]})"), "\"__metadata__\" must be an object");
  expect_rejected(file_bytes(R"({"__metadata__":null})"), "\"__metadata__\" must be an object");
  expect_rejected(file_bytes(R"({"__metadata__":{"step":3}})"),
                  "\"__metadata__\" value for 'step' must be a string");
}

TEST(Safetensors, MessagesStayOneLine) {
  expect_rejected(file_bytes(R"({"a\nb":5})"), "tensor 'a?b': entry is not a JSON object");
}

TEST(Safetensors, EveryTruncationIsRejected) {
  File file;
  file.metadata["k"] = "v";
  file.tensors["x"] = tensor(DType::F32, {2, 2});
  file.tensors["y"] = tensor(DType::I8, {3});
  const std::string bytes = serialize(file);
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_THROW(parse(std::string_view(bytes).substr(0, size), "cut"), Error) << size;
  }
}

TEST(Safetensors, CorruptingAnyByteNeverCrashes) {
  File file;
  file.tensors["x"] = tensor(DType::F32, {2, 2});
  file.tensors["y"] = tensor(DType::I8, {3});
  const std::string bytes = serialize(file);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char flip : {0x01, 0x10, 0x80, 0xff}) {
      std::string corrupt = bytes;
      corrupt[i] = static_cast<char>(corrupt[i] ^ flip);
      try {
        parse(corrupt, "flip");  // may be accepted (e.g. data bytes); must not crash
      } catch (const Error&) {
      }
    }
  }
}

TEST(Safetensors, SerializeRejectsInconsistentTensors) {
  File file;
  file.tensors["w"] = Tensor{DType::F32, {2, 3}, std::string(20, '\0')};
  EXPECT_THROW(serialize(file), Error);
  file.tensors["w"] = Tensor{DType::F32, {-1}, ""};
  EXPECT_THROW(serialize(file), Error);
  file.tensors.clear();
  file.tensors["__metadata__"] = Tensor{DType::U8, {}, "x"};
  EXPECT_THROW(serialize(file), Error);
}

// A fresh directory under the system temp dir, removed afterwards.
class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("fl_atomic_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(AtomicFileTest, SaveLoadRoundTrip) {
  const File file = sample_file();
  save(dir_ / "model.safetensors", file);
  EXPECT_EQ(load(dir_ / "model.safetensors"), file);
  EXPECT_EQ(read_file(dir_ / "model.safetensors"), serialize(file));
  EXPECT_EQ(entries(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(AtomicFileTest, ReplacesByRenameLeavingNoTemporaryFile) {
  const fs::path path = dir_ / "state.bin";
  write_file_atomic(path, "old content");
  std::ifstream old_reader(path, std::ios::binary);  // opened before the replacement
  write_file_atomic(path, "new");
  EXPECT_EQ(read_file(path), "new");
  // An in-place rewrite would show the reader the new bytes; a rename keeps the old file intact.
  const std::string seen{std::istreambuf_iterator<char>(old_reader), {}};
  EXPECT_EQ(seen, "old content");
  EXPECT_EQ(entries(), std::vector<std::string>{"state.bin"});
  write_file_atomic(path, "");
  EXPECT_EQ(read_file(path), "");
}

TEST_F(AtomicFileTest, FailureThrowsAndCleansUp) {
  fs::create_directories(dir_ / "taken");
  try {
    write_file_atomic(dir_ / "taken", "x");  // a directory cannot be replaced by a file
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir_ / "taken").string() + ": "), std::string::npos);
  }
  EXPECT_EQ(entries(), std::vector<std::string>{"taken"});
  EXPECT_THROW(write_file_atomic(dir_ / "no_such_dir" / "f", "x"), Error);
  EXPECT_THROW(write_file_atomic(dir_ / "", "x"), Error);
}

TEST_F(AtomicFileTest, ReadFileNamesTheProblem) {
  const fs::path missing = dir_ / "missing.safetensors";
  try {
    read_file(missing);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), missing.string() + ": no such file");
  }
  EXPECT_THROW(read_file(dir_), Error);
  try {
    load(missing);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos);
  }
}

}  // namespace
}  // namespace fl::safetensors
