// The model family is a type: one name per family, a parser that inverts it, one label format.
#include <gtest/gtest.h>

#include "models/model_config.h"
#include "support/fixtures.h"
#include "train/run_config.h"

namespace fl {
namespace {

using test_support::config_from_json;
using test_support::error_of;

TEST(ModelFamily, EachFamilyHasOneNameAndTheParserInvertsIt) {
  for (ModelFamily family : {ModelFamily::mamba, ModelFamily::transformer})
    EXPECT_EQ(parse_model_family(to_string(family), "model.type"), family) << to_string(family);
  EXPECT_EQ(error_of([] { parse_model_family("rnn", "model.type"); }),
            "model.type = 'rnn': expected mamba, transformer or window");
  EXPECT_EQ(error_of([] { parse_model_family("Mamba", "speed case"); }),
            "speed case = 'Mamba': expected mamba, transformer or window");
}

TEST(ModelFamily, ConfigsReadWindowAsATransformerAndStoreTheFamilyName) {
  const ModelConfig window = config_from_json(R"({"model": {"type": "window", "window": 8}})").model;
  EXPECT_EQ(window.family, ModelFamily::transformer);
  EXPECT_EQ(window.to_json().at("type"), "transformer");
  EXPECT_EQ(config_from_json(R"({"model": {"type": "mamba"}})").model.to_json().at("type"), "mamba");
}

TEST(ModelFamily, LabelsNameTheFamilyAndTheSize) {
  ModelConfig c;
  c.d_model = 32, c.n_layer = 2, c.d_state = 8;
  EXPECT_EQ(c.label(), "mamba d32×2 N8");
  c.family = ModelFamily::transformer;
  EXPECT_EQ(c.label(), "transformer d32×2");
  c.window = 16;
  EXPECT_EQ(c.label(), "window W16 d32×2");
}

TEST(ModelFamily, StoredModelConfigsReadBackToTheSameModel) {
  for (const char* json : {R"({"model": {"type": "mamba", "d_model": 24, "d_state": 3, "d_conv": 2}})",
                           R"({"model": {"type": "window", "window": 8, "n_head": 2, "pos": "none"}})"}) {
    const ModelConfig c = config_from_json(json).model;
    const ModelConfig back = ModelConfig::from_json(c.to_json());
    EXPECT_EQ(back.to_json(), c.to_json()) << json;
    EXPECT_EQ(back.label(), c.label());
  }
  EXPECT_EQ(error_of([] { ModelConfig::from_json(Json{{"type", "rnn"}}); }),
            "model type = 'rnn': expected mamba, transformer or window");
}

TEST(ModelFamily, KeysOnlyOneFamilyReadsNameIt) {
  EXPECT_EQ(ModelConfig::family_of("model.d_state"), ModelFamily::mamba);
  EXPECT_EQ(ModelConfig::family_of("model.window"), ModelFamily::transformer);
  EXPECT_EQ(ModelConfig::family_of("model.d_model"), std::nullopt);
  EXPECT_EQ(ModelConfig::family_of("train.lr"), std::nullopt);
}

}  // namespace
}  // namespace fl
