// The stored cost.json of `freelunch cost` read back by its owner (cost/cost_report.h from_json),
// as the report's cost section reads it: every number round-trips, the slopes are derived again
// from the rows, and a missing key is an error naming the file and the key.
#include <gtest/gtest.h>

#include "core/error.h"
#include "cost/cost_report.h"

namespace fl::cost {
namespace {

ModelCost model(const std::string& label, ModelFamily family, int64_t window, int64_t growth) {
  ModelCost m;
  m.label = label;
  m.config.family = family, m.config.window = window, m.config.d_model = 48, m.config.d_state = 8;
  m.config.vocab_size = 11;
  m.parameters = 4321;
  for (int64_t t = 1; t <= 256; t *= 4) {
    CostRow r;
    r.position = t, r.analytic_layer_bytes = {100 + growth * t, 100 + growth * t}, r.measured_layer_bytes = {100 + growth * t, 7};
    r.allocated_bytes = 3 * t, r.flops_per_token = 1000 + 3 * t, r.mixer_flops_per_token = t,
    r.state_bytes_read = 5 * t;
    r.median_ms = 0.25 + 0.001 * static_cast<double>(t), r.min_ms = 0.2, r.total_flops = 1000.5 * static_cast<double>(t);
    r.estimated_total_ms = 0.3 * static_cast<double>(t);
    m.rows.push_back(r);
  }
  fit_model(m);
  return m;
}

CostReport report() {
  CostReport r;
  r.models = {model("Mamba", ModelFamily::mamba, 0, 0),
              model("Transformer, window 16", ModelFamily::transformer, 16, 64)};
  r.models[1].validation = Validation{64, 12.5, 11.25, 13.0, 0.2, 0.21, true};
  r.threads = 2, r.timed_tokens = 8, r.seconds = 1.5;
  return r;
}

TEST(CostResults, JsonRoundTripKeepsEveryNumberAndDerivesTheSlopes) {
  const Json stored = to_json(report());
  const CostReport back = from_json(stored);
  EXPECT_EQ(to_json(back), stored);
  ASSERT_EQ(back.models.size(), 2u);
  EXPECT_EQ(back.models[0].config.d_state, 8);
  EXPECT_EQ(back.models[1].config.window, 16);
  EXPECT_FALSE(back.models[1].config.is_mamba());
  EXPECT_EQ(back.models[1].rows.back().measured_layer_bytes, (std::vector<int64_t>{100 + 64 * 256, 7}));
  ASSERT_TRUE(back.models[1].validation.has_value());
  EXPECT_DOUBLE_EQ(back.models[1].validation->genuine_robust_total_ms, 11.25);
  EXPECT_FALSE(back.models[0].validation.has_value());
  EXPECT_EQ(back.models[1].slopes.from, 64);  // derived from the rows (the top two octaves), not read
  EXPECT_NEAR(back.models[0].slopes.total_flops, 1.0, 1e-9);
}

TEST(CostResults, MissingOrMistypedKeysAreErrorsNamingTheKey) {
  const Json stored = to_json(report());
  const auto error_of = [](const Json& j) {
    try {
      from_json(j);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Json no_total = stored;
  no_total["models"][0]["rows"][1].erase("total_flops");
  EXPECT_NE(error_of(no_total).find("cost.json: "), std::string::npos) << error_of(no_total);
  EXPECT_NE(error_of(no_total).find("total_flops"), std::string::npos) << error_of(no_total);
  Json no_window = stored;
  no_window["models"][1]["config"].erase("window");  // a Transformer's window decides its growth law
  EXPECT_NE(error_of(no_window).find("window"), std::string::npos) << error_of(no_window);
  Json text_threads = stored;
  text_threads["threads"] = "two";
  EXPECT_NE(error_of(text_threads).find("cost.json: "), std::string::npos) << error_of(text_threads);
  Json without_d_state = stored;
  without_d_state["models"][0]["config"].erase("d_state");  // other keys keep their defaults
  EXPECT_EQ(from_json(without_d_state).models[0].config.d_state, ModelConfig{}.d_state);
}

}  // namespace
}  // namespace fl::cost
