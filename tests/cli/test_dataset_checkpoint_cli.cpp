// A checkpoint of the dataset task does not depend on the directory it was trained from: trained
// with a relative task.path, it loads from anywhere (the path is saved absolute), and with the
// dataset moved away `info` and `generate` still work from the vocabulary the checkpoint recorded
// (vocab.json) while `eval`, which needs the examples, names the missing file. Checkpoints from
// before vocab.json still load.
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "support/fixtures.h"
#include "support/process.h"
#include "support/tiny_config.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::expect_one_line_error;
using test_support::run_command;
using test_support::shell_quote;
using test_support::TempDir;

const std::string kBin = FREELUNCH_BINARY;

std::string dataset_lines() {
  std::string lines;
  for (int i = 0; i < 40; ++i) {
    const std::string a(1, static_cast<char>('a' + i % 5)), b(1, static_cast<char>('a' + (i / 5) % 8));
    lines += "{\"input\": \"" + a + " " + b + " =\", \"target\": \"" + b + " " + a + "\"}\n";
  }
  return lines;
}

TEST(DatasetCheckpoint, LoadsFromAnyDirectoryAndWithoutTheDataset) {
  TempDir dir;
  fs::create_directories(dir / "ds");
  write_file_atomic(dir / "ds" / "big.jsonl", dataset_lines());
  write_file_atomic(dir / "ds" / "c.toml", test_support::tiny_mamba_toml("name = \"dataset\"\npath = \"big.jsonl\"\n"
                                                                        "eval_fraction = 0.3\n"));
  const std::string in_ds = "cd " + shell_quote((dir / "ds").string()) + " && " + kBin;
  auto r = run_command(in_ds + " --threads 1 train --quiet --config c.toml --out dsrun");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(dir / "ds" / "dsrun" / "vocab.json"));

  // From the parent directory: "big.jsonl: no such file" before the path was saved absolute.
  const std::string in_parent = "cd " + shell_quote(dir.path().string()) + " && " + kBin;
  r = run_command(in_parent + " info --checkpoint ds/dsrun");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find((dir / "ds" / "big.jsonl").string()), std::string::npos) << r.out;
  r = run_command(in_parent + " eval --checkpoint ds/dsrun");
  EXPECT_EQ(r.exit_code, 0) << r.err;

  // The dataset moved: the recorded vocabulary serves info and generate; eval names the file.
  fs::rename(dir / "ds" / "big.jsonl", dir / "moved.jsonl");
  r = run_command(in_parent + " info --checkpoint ds/dsrun");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("only the vocabulary the checkpoint recorded"), std::string::npos) << r.out;
  r = run_command(in_parent + " generate --checkpoint ds/dsrun --prompt " + shell_quote("a b =") + " --max-new 3");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_one_line_error(run_command(in_parent + " eval --checkpoint ds/dsrun"),
                        (dir / "ds" / "big.jsonl").string() + " (task.path): no such file; the checkpoint keeps only "
                                                              "the dataset's vocabulary");
  expect_one_line_error(run_command(in_parent + " generate --checkpoint ds/dsrun --prompt zz"), "unknown token 'zz'");

  // Another file in its place with another vocabulary: the model's ids would mean other tokens.
  std::string other;
  for (int i = 1; i < 64; ++i) {
    std::string input;
    for (int bit = 0; bit < 6 && (i >> bit) > 0; ++bit) input += (input.empty() ? "" : " ") + std::string((i >> bit) & 1 ? "x" : "y");
    other += "{\"input\": \"" + input + "\", \"target\": \"x\"}\n";
  }
  write_file_atomic(dir / "ds" / "big.jsonl", other);
  expect_one_line_error(run_command(in_parent + " info --checkpoint ds/dsrun"),
                        "is not the one recorded with the model");

  // A checkpoint written before vocab.json (no manifest either) loads as before, from its data.
  fs::rename(dir / "moved.jsonl", dir / "ds" / "big.jsonl");
  fs::remove(dir / "ds" / "dsrun" / "vocab.json");
  fs::remove(dir / "ds" / "dsrun" / "checkpoint.json");
  r = run_command(in_parent + " info --checkpoint ds/dsrun");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace fl
