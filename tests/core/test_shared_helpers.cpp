// The small helpers every layer shares, each with one home: core/statistics, core/provenance,
// core/config's integer lists, render/text.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "core/config.h"
#include "core/provenance.h"
#include "core/statistics.h"
#include "render/text.h"
#include "support/fixtures.h"

namespace fl {
namespace {

using test_support::error_of;

TEST(Statistics, MedianOfOddEvenAndEmptySamples) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median({}), 0);
}

TEST(Statistics, GrowthBandsOfALogLogSlope) {
  EXPECT_EQ(growth_band(0.1), GrowthLaw::flat);
  EXPECT_EQ(growth_band(1.1), GrowthLaw::linear);
  EXPECT_EQ(growth_band(2.0), GrowthLaw::quadratic);
  EXPECT_EQ(growth_band(1.5), std::nullopt);
  EXPECT_STREQ(to_string(GrowthLaw::quadratic), "quadratic");
}

TEST(Provenance, RoundTripsAndNamesAWrongType) {
  const Provenance p{"7186b65c1a2b", "2026-11-29 13:05:12 UTC", 2, "Test CPU @ 2.10GHz, 2 cores, 24 GiB"};
  const Provenance q = Provenance::from_json(p.to_json());
  EXPECT_EQ(q.commit, p.commit);
  EXPECT_EQ(q.date, p.date);
  EXPECT_EQ(q.threads, 2);
  EXPECT_EQ(q.machine, p.machine);
  EXPECT_EQ(Provenance::from_json(Json{{"commit", "abc"}}).machine, "") << "results stored before the machine was";
  EXPECT_EQ(Provenance::from_json(Json::object()).commit, "");  // missing keys: unknown
  EXPECT_NE(error_of([] { Provenance::from_json(Json{{"threads", "two"}}); }).find("provenance: "), std::string::npos);
  EXPECT_EQ(error_of([] { Provenance::from_json(Json::array()); }), "provenance: expected a JSON object");
}

TEST(Provenance, MachineNamesTheCoresOfThisMachine) {
  const std::string machine = machine_description();
  const unsigned cores = std::thread::hardware_concurrency();
  ASSERT_GT(cores, 0u);
  EXPECT_NE(machine.find(std::to_string(cores) + (cores == 1 ? " core" : " cores")), std::string::npos) << machine;
  EXPECT_EQ(machine.find('\n'), std::string::npos) << "one line";
}

TEST(IntegerLists, OneParserForConfigsAndFlags) {
  EXPECT_EQ(parse_int_list("2,4,8"), (std::vector<int64_t>{2, 4, 8}));
  EXPECT_EQ(parse_int_list(" [2, 4 ,8] "), (std::vector<int64_t>{2, 4, 8}));
  EXPECT_EQ(parse_int_list("-3"), (std::vector<int64_t>{-3}));
  EXPECT_EQ(parse_int_list(""), std::vector<int64_t>{});
  EXPECT_EQ(parse_int_list("2,,4"), std::nullopt);
  EXPECT_EQ(parse_int_list("2,x"), std::nullopt);
  EXPECT_EQ(parse_int_list("1.5"), std::nullopt);
}

TEST(TextFormatting, NumbersAndWidths) {
  EXPECT_EQ(percent(0.953), "95.3%");
  EXPECT_EQ(percent(NAN), "–");
  EXPECT_EQ(fixed(0.9534, 3), "0.953");
  EXPECT_EQ(fixed(-1, 3), "-");
  EXPECT_EQ(human_bytes(12 * 1024), "12.0 KiB");
  EXPECT_EQ(with_commas(-1234567), "-1,234,567");
  EXPECT_EQ(formatted("%.4g", 0.0123), "0.0123");
  EXPECT_EQ(utf8_width("d32×2 α"), 7u);
}

}  // namespace
}  // namespace fl
