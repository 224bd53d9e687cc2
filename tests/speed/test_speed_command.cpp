// `freelunch speed --quick` end to end: both sides run, the logits agree, every table is there.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/config.h"
#include "support/fixtures.h"
#include "support/process.h"

namespace fl {
namespace {

using test_support::run_command;
using test_support::shell_quote;

TEST(SpeedCommand, QuickRunReportsBothSides) {
  test_support::TempDir dir;
  const auto json_path = dir / "speed.json", md_path = dir / "speed.md";
  const auto r = run_command(std::string(FREELUNCH_BINARY) + " --threads 1 speed --quick --quiet --json " +
                             shell_quote(json_path.string()) + " --out " + shell_quote(md_path.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(json_path);
  std::stringstream text;
  text << in.rdbuf();
  const auto j = Json::parse(text.str());
  ASSERT_EQ(j.at("logits").size(), 2u);
  for (const auto& row : j.at("logits")) EXPECT_LE(row.at("max_abs_diff").get<double>(), 1e-4) << row.dump();
  ASSERT_EQ(j.at("train").size(), 2u);
  for (const auto& row : j.at("train")) {
    for (const char* side : {"flat", "libtorch", "pytorch"}) {
      EXPECT_GT(row.at(std::string(side) + "_ms").get<double>(), 0) << side;
      EXPECT_GT(row.at(std::string(side) + "_rss_mib").get<double>(), 10) << side;
    }
    EXPECT_GT(row.at("flops").get<double>(), 0);
  }
  EXPECT_EQ(j.at("train")[0].at("threads").get<int64_t>(), 1);  // a case on its own thread count
  ASSERT_FALSE(j.at("peaks").empty());
  EXPECT_EQ(j.at("decode").size(), 4u);  // 2 models × 2 positions
  // The fused scan keeps chunk-boundary states only: per token it holds far less than the
  // reference, which keeps (L, Di, N)-sized tensors.
  for (const auto& row : j.at("scan_memory"))
    EXPECT_LT(row.at("fused_bytes_per_token").get<double>() * 4, row.at("reference_bytes_per_token").get<double>());
  for (const char* heading : {"### Training step", "### Generation", "### Kernel roofline", "### Same function"})
    EXPECT_NE(r.out.find(heading), std::string::npos) << heading;
  EXPECT_TRUE(std::filesystem::exists(md_path));
}

}  // namespace
}  // namespace fl
