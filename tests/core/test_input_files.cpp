// Files freelunch reads and creates, when they are not what they seem: devices, FIFOs, symlinks
// to endless files, files beyond their size limit, JSON naming a key twice, a file created by two
// processes at once (docs/RELIABILITY.md, "Inputs").
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic_file.h"
#include "core/config.h"
#include "core/error.h"
#include "core/json_duplicate_keys.h"
#include "core/memory_budget.h"
#include "core/safetensors.h"
#include "support/fixtures.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::error_of;
using test_support::TempDir;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(InputFiles, OnlyRegularFilesAreRead) {
  TempDir dir;
  // Each was read until memory ran out (/dev/zero, /dev/urandom behind a .toml name) or blocked
  // forever (a FIFO nobody writes).
  fs::create_symlink("/dev/urandom", dir / "u.toml");
  fs::create_symlink("/dev/zero", dir / "model.safetensors");
  ASSERT_EQ(::mkfifo((dir / "fifo.json").c_str(), 0600), 0);
  for (const char* name : {"u.toml", "model.safetensors", "fifo.json"})
    EXPECT_EQ(error_of([&] { read_file(dir / name); }),
              (dir / name).string() + ": not a regular file (a device, FIFO or socket); freelunch reads only files")
        << name;
  EXPECT_TRUE(contains(error_of([&] { RawConfig::from_file(dir / "u.toml"); }), "u.toml: not a regular file"));
  EXPECT_TRUE(contains(error_of([&] { RawConfig::from_file(dir / "fifo.json"); }), "fifo.json: not a regular file"));
  EXPECT_TRUE(contains(error_of([&] { safetensors::load(dir / "model.safetensors"); }), "not a regular file"));
  EXPECT_EQ(error_of([&] { read_file(dir.path()); }), dir.path().string() + ": is a directory, not a file");
  // A symlink to a regular file is read as that file.
  write_file_atomic(dir / "real.json", "{}");
  fs::create_symlink(dir / "real.json", dir / "link.json");
  EXPECT_EQ(read_file(dir / "link.json"), "{}");
}

TEST(InputFiles, ReadsStopAtTheStatedSize) {
  TempDir dir;
  write_file_atomic(dir / "big.json", std::string(1000, ' '));
  EXPECT_EQ(read_file(dir / "big.json", 1000).size(), 1000u);
  EXPECT_EQ(error_of([&] { read_file(dir / "big.json", 999); }),
            (dir / "big.json").string() + ": longer than 999 bytes, the most freelunch reads from it");
  // Files that report no size but have content (/proc) are cut off while reading.
  EXPECT_TRUE(contains(error_of([] { read_file("/proc/self/maps", 10); }), "longer than 10 bytes"));
  // Configs and records: 64 MiB; weights and datasets: half the machine's memory.
  EXPECT_EQ(kMaxRecordFileBytes, uint64_t{64} << 20);
  EXPECT_EQ(memory_budget_bytes(), physical_memory_bytes() / 2);
  EXPECT_EQ(memory_text(1536.0 * 1024 * 1024), "1.5 GiB");
}

TEST(InputFiles, JsonKeysGivenTwiceAreErrors) {
  TempDir dir;
  // nlohmann keeps the last value of a repeated key: d_model = 8 was trained without a word.
  write_file_atomic(dir / "d.json", R"({"model": {"d_model": 16, "d_model": 8}})");
  EXPECT_EQ(error_of([&] { RawConfig::from_file(dir / "d.json"); }),
            (dir / "d.json").string() + ": key 'd_model' is given twice in one object");
  // A whole table given twice: the first one was dropped.
  write_file_atomic(dir / "t.json", R"({"model": {"d_model": 16}, "seed": 2, "model": {"n_layer": 1}})");
  EXPECT_TRUE(contains(error_of([&] { RawConfig::from_file(dir / "t.json"); }), "key 'model' is given twice"));
  // The same key in two different objects is fine.
  write_file_atomic(dir / "ok.json", R"({"model": {"type": "mamba"}, "task": {"name": "copy", "type": 1}})");
  EXPECT_EQ(RawConfig::from_file(dir / "ok.json").values.size(), 3u);  // model.type, task.name, task.type
  EXPECT_EQ(error_of([] { parse_json_without_duplicate_keys(R"([{"a": 1}, {"b": [{"c": 1, "c": 2}]}])", "x: "); }),
            "x: key 'c' is given twice in one object");
}

TEST(InputFiles, CreatedOnceAndWhole) {
  TempDir dir;
  EXPECT_TRUE(create_file_atomic(dir / "f", "first"));
  EXPECT_FALSE(create_file_atomic(dir / "f", "second"));  // taken: left as it was
  EXPECT_EQ(read_file(dir / "f"), "first");
  EXPECT_EQ(test_support::files_in(dir.path()).size(), 1u);  // no temporary file left
  EXPECT_TRUE(contains(error_of([&] { create_file_atomic(dir / "no" / "f", "x"); }), "cannot create a temporary"));
}

}  // namespace
}  // namespace fl
