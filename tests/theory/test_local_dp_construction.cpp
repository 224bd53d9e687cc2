// The hand-built local_dp Mamba (src/theory/local_dp_construction.h) and its checks
// (src/theory/local_dp_theory.h):
//   - interleaved, window K = 2m: generated (step path, verifier) and teacher-forced exact on
//     several (m, p), at T = 2000, and through the libtorch step path; one window slot less fails;
//   - the step engine's live state after T tokens is the same at every T: Di·(2m + 1)·4 bytes;
//   - prefix at the interleaved window K = 2m: exact for n < K, no example right for n ≥ K;
//   - the smallest exact prefix window is n + 1 on small n (state linear in n; K = n fails);
//   - the whole run writes its tables and files; bad options and flags → fl::Error naming the flag.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "kernels/kernel_mode.h"
#include "support/fixtures.h"
#include "theory/local_dp_theory.h"

namespace fl::theory {
namespace {

using test_support::error_of;

using Format = LocalDpTask::Format;

LocalDpConstruction interleaved(int64_t m, int64_t p) { return {Format::Interleaved, m, p, interleaved_window(m), 1}; }
LocalDpConstruction prefix(int64_t m, int64_t p, int64_t window, int64_t n) { return {Format::Prefix, m, p, window, n}; }

TEST(LocalDpConstruction, InterleavedExactOnSeveralLocalitiesAndModuli) {
  for (auto [m, p] : std::vector<std::pair<int64_t, int64_t>>{{1, 2}, {1, 7}, {2, 10}, {3, 5}, {5, 13}}) {
    for (int64_t n : {int64_t{1}, 2 * m, 3 * m + 1, int64_t{60}}) {
      const SizeAccuracy a = check_construction(interleaved(m, p), n, 8, 11);
      EXPECT_GT(a.n, 0);
      EXPECT_DOUBLE_EQ(a.gen.whole, 1.0) << "m " << m << " p " << p << " n " << n;
      EXPECT_DOUBLE_EQ(a.gen.token, 1.0) << "m " << m << " p " << p << " n " << n;
      EXPECT_DOUBLE_EQ(a.tf.whole, 1.0) << "m " << m << " p " << p << " n " << n;
    }
  }
}

TEST(LocalDpConstruction, InterleavedExactAtTwoThousandTokens) {
  const SizeAccuracy a = check_construction(interleaved(3, 11), 999, 4, 5);  // T = 2·999 + 2
  EXPECT_EQ(a.n, 4);
  EXPECT_DOUBLE_EQ(a.gen.whole, 1.0);
  EXPECT_DOUBLE_EQ(a.tf.whole, 1.0);
}

TEST(LocalDpConstruction, InterleavedExactThroughTheLibtorchStepPath) {
  kernels::ModeGuard reference(kernels::Mode::kReference);
  const SizeAccuracy a = check_construction(interleaved(2, 10), 30, 4, 3);
  EXPECT_DOUBLE_EQ(a.gen.whole, 1.0);
  EXPECT_DOUBLE_EQ(a.tf.whole, 1.0);
}

TEST(LocalDpConstruction, InterleavedFailsWithOneWindowSlotLess) {
  for (int64_t m : {1, 2, 4}) {
    LocalDpConstruction c = interleaved(m, 10);
    c.window -= 1;  // dp_{i-m} (lag 2m − 1) out of sight
    EXPECT_LT(check_construction(c, 40, 8, 2).gen.whole, 0.5) << "m " << m;
  }
}

TEST(LocalDpConstruction, LiveStateBytesIndependentOfLength) {
  const int64_t m = 3, p = 7;
  const int64_t expected = construction_channels(Format::Interleaved, p) * (interleaved_window(m) + 1) * 4;
  for (int64_t n : {1, 10, 999}) EXPECT_EQ(live_state_bytes(interleaved(m, p), n, 1), expected) << "n " << n;
  EXPECT_EQ(build_local_dp_mamba(interleaved(m, p))->state_bytes(2000), expected);
}

TEST(LocalDpConstruction, PrefixAtTheInterleavedWindowFailsOnceNReachesIt) {
  const int64_t m = 2, p = 10, K = interleaved_window(m);
  for (int64_t n = 1; n < K; ++n) EXPECT_DOUBLE_EQ(check_construction(prefix(m, p, K, n), n, 8, 4).gen.whole, 1.0) << n;
  for (int64_t n : {K, K + 1, 2 * K}) {
    const SizeAccuracy a = check_construction(prefix(m, p, K, n), n, 8, 4);
    EXPECT_DOUBLE_EQ(a.gen.whole, 0.0) << "n " << n;
    EXPECT_DOUBLE_EQ(a.gen.answer, 0.0) << "n " << n;  // never writes "." either
  }
}

TEST(LocalDpConstruction, SmallestPrefixStateIsLinearInN) {
  for (int64_t m : {1, 3}) {
    const int64_t p = 7, slot_bytes = construction_channels(Format::Prefix, p) * 4;
    std::vector<double> ns, bytes;
    for (int64_t n = 1; n <= 5; ++n) {
      const SmallestStateRow row = smallest_prefix_state(m, p, n, 6, 9, n + 3);
      EXPECT_EQ(row.window, prefix_window(n)) << "m " << m << " n " << n;
      EXPECT_DOUBLE_EQ(row.whole_below, 0.0) << "m " << m << " n " << n;
      EXPECT_EQ(row.state_bytes, slot_bytes * (n + 2)) << "m " << m << " n " << n;  // Di·(K + N)·4, K = n + 1
      ns.push_back(static_cast<double>(n)), bytes.push_back(static_cast<double>(row.state_bytes));
    }
    const LinearFit fit = fit_line(ns, bytes);
    EXPECT_NEAR(fit.slope, static_cast<double>(slot_bytes), 1e-9);
    EXPECT_NEAR(fit.r_squared, 1.0, 1e-12);
  }
}

TEST(LocalDpTheory, RunWritesTablesAndFiles) {
  test_support::TempDir dir;
  LocalDpTheoryOptions o;
  o.out_dir = dir / "out";
  o.locality = 2, o.modulus = 5, o.max_tokens = 200, o.max_prefix_n = 5, o.max_pointer_n = 4, o.examples = 4;
  o.progress = false;
  const LocalDpTheoryResult r = run_local_dp_theory(o);
  ASSERT_EQ(r.ring.size(), 5u);  // the SSM ring at the same lengths
  for (const auto& row : r.ring) {
    EXPECT_DOUBLE_EQ(row.accuracy.gen.whole, 1.0) << row.tokens;
    EXPECT_EQ(row.state_bytes, r.ring.front().state_bytes);
  }
  EXPECT_DOUBLE_EQ(r.ring.back().ablated.gen.whole, 0.0);
  ASSERT_EQ(r.pointer.size(), 4u);
  for (const auto& row : r.pointer) EXPECT_EQ(row.ring.slots, std::max<int64_t>(1, row.n - 1)) << row.n;
  ASSERT_EQ(r.interleaved.size(), 5u);  // T = 4, 10, 30, 100, 200
  EXPECT_EQ(r.interleaved.back().tokens, 200);
  for (const auto& row : r.interleaved) {
    EXPECT_DOUBLE_EQ(row.accuracy.gen.whole, 1.0) << row.tokens;
    EXPECT_EQ(row.state_bytes, r.interleaved.front().state_bytes);
  }
  ASSERT_EQ(r.prefix_fixed.size(), 5u);
  for (const auto& row : r.prefix_fixed) EXPECT_DOUBLE_EQ(row.accuracy.gen.whole, row.n < r.window ? 1.0 : 0.0);
  ASSERT_EQ(r.smallest.size(), 5u);
  for (const auto& row : r.smallest) EXPECT_EQ(row.window, row.n + 1);
  EXPECT_NEAR(r.smallest_fit.slope, 4.0 * static_cast<double>(r.prefix_channels), 1e-9);
  EXPECT_NE(r.report.find("smallest K"), std::string::npos);
  for (const auto* name : {"summary.md", "ssm_ring.csv", "pointer_dp_smallest_state.csv", "interleaved.csv",
                           "prefix_fixed_window.csv", "prefix_smallest_state.csv", "exactness_vs_T.csv",
                           "state_bytes_vs_T.csv", "scan_flops_vs_T.csv", "prefix_smallest_state_vs_n.csv"})
    EXPECT_TRUE(std::filesystem::exists(o.out_dir / name)) << name;
}

TEST(LocalDpTheory, BadOptionsThrowNamingTheFlag) {
  const auto bad = [](auto change) {
    LocalDpTheoryOptions o;
    change(o);
    return error_of([&] { validate(o); });
  };
  EXPECT_NE(bad([](auto& o) { o.locality = 0; }).find("--m"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.modulus = 1; }).find("--modulus"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.modulus = 101; }).find("--modulus"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.max_tokens = 3; }).find("--max-t"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.max_prefix_n = 1; }).find("--max-n"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.max_pointer_n = 49; }).find("--pointer-max-n"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.locality = 101; }).find("--m"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.examples = 0; }).find("--examples"), std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.out_dir.clear(); }).find("--out"), std::string::npos);
  EXPECT_EQ(bad([](auto&) {}), "");
  EXPECT_THROW(build_local_dp_mamba(prefix(2, 10, 0, 3)), Error);
}

TEST(LocalDpTheory, CommandRejectsBadFlagsWithFlError) {
  test_support::TempDir dir;
  for (const std::string flags : {"--m 0", "--modulus 1", "--max-t 2", "--examples 0", "--pointer-max-n 1"}) {
    CLI::App app;
    auto* theory_cmd = app.add_subcommand("theory");
    cli::add_theory_local_dp_command(*theory_cmd);
    const std::string line = "theory local-dp --out " + (dir / "never").string() + " " + flags;
    const std::string message = error_of([&] { app.parse(line, false); });
    EXPECT_NE(message.find(flags.substr(0, flags.find(' '))), std::string::npos) << flags << ": " << message;
    EXPECT_FALSE(std::filesystem::exists(dir / "never")) << flags;
  }
}

}  // namespace
}  // namespace fl::theory
