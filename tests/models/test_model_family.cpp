// The model family is a type: one name per family, a parser that inverts it, one label format.
#include <gtest/gtest.h>

#include <cmath>

#include "models/model_config.h"
#include "support/fixtures.h"
#include "train/run_config.h"

namespace fl {
namespace {

using test_support::config_from_json;
using test_support::error_of;

TEST(ModelFamily, EachFamilyHasOneNameAndTheParserInvertsIt) {
  for (ModelFamily family : kModelFamilies)
    EXPECT_EQ(parse_model_family(to_string(family), "model.type"), family) << to_string(family);
  EXPECT_EQ(error_of([] { parse_model_family("rnn", "model.type"); }),
            "model.type = 'rnn': expected mamba, transformer, window, hybrid, lstm, mamba2 or linear");
  EXPECT_EQ(error_of([] { parse_model_family("Mamba", "speed case"); }),
            "speed case = 'Mamba': expected mamba, transformer, window, hybrid, lstm, mamba2 or linear");
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
  c.family = ModelFamily::hybrid, c.n_layer = 4, c.attn_layers = {1, 3};
  EXPECT_EQ(c.label(), "hybrid d32×4 N8 attn 1,3 W16");
  c.window = 0;
  EXPECT_EQ(c.label(), "hybrid d32×4 N8 attn 1,3");
  c.family = ModelFamily::lstm, c.n_layer = 2;
  EXPECT_EQ(c.label(), "lstm d32×2");  // lstm_hidden 0 = d_model
  c.lstm_hidden = 32;
  EXPECT_EQ(c.label(), "lstm d32×2");
  c.lstm_hidden = 48;
  EXPECT_EQ(c.label(), "lstm d32×2 H48");
  c.family = ModelFamily::mamba2, c.headdim = 16;
  EXPECT_EQ(c.label(), "mamba2 d32×2 N8 P16");
  c.family = ModelFamily::linear, c.decay = "fixed";
  EXPECT_EQ(c.label(), "linear fixed d32×2");
}

// Mamba-2 and linear attention: blocks of their own family, no softmax attention, no Mamba-1
// keys; the keys each reads, and the shape checks with one-line errors.
TEST(ModelFamily, Mamba2AndLinearAttentionReadTheirOwnKeys) {
  const ModelConfig m = config_from_json(R"({"model": {"type": "mamba2", "d_model": 16, "n_layer": 2, "headdim": 8,
                                             "ngroups": 2}})").model;
  const ModelConfig l = config_from_json(R"({"model": {"type": "linear", "d_model": 16, "n_head": 4,
                                             "decay": "none"}})").model;
  for (const ModelConfig* c : {&m, &l}) {
    for (int64_t i = 0; i < c->n_layer; ++i) EXPECT_EQ(c->layer_family(i), c->family);
    EXPECT_FALSE(c->has_attention());
    EXPECT_FALSE(c->has_mamba());
  }
  EXPECT_EQ(m.mamba2_heads(), 4);
  EXPECT_EQ(m.mamba2_conv_dim(), 32 + 2 * 2 * 16);
  EXPECT_EQ(m.to_json().at("headdim"), 8);
  EXPECT_FALSE(m.to_json().contains("dt_rank"));
  EXPECT_EQ(l.to_json().at("decay"), "none");
  EXPECT_FALSE(l.to_json().contains("pos"));
  EXPECT_EQ(ModelConfig::families_reading("model.headdim", " or "), "mamba2");
  EXPECT_EQ(ModelConfig::families_reading("model.decay", " or "), "linear");
  EXPECT_EQ(ModelConfig::families_reading("model.d_state", " or "), "mamba, hybrid or mamba2");
  EXPECT_EQ(ModelConfig::families_reading("model.n_head", " or "), "transformer, hybrid or linear");
  EXPECT_EQ(ModelConfig::from_json(m.to_json()).to_json(), m.to_json());
  EXPECT_EQ(ModelConfig::from_json(l.to_json()).to_json(), l.to_json());
  EXPECT_NEAR(ModelConfig::fixed_log_decay(0), std::log(1 - 1.0 / 32), 1e-15);
  EXPECT_NEAR(ModelConfig::fixed_log_decay(3), std::log(1 - 1.0 / 256), 1e-15);

  for (const auto& [json, phrase] : std::vector<std::pair<std::string, std::string>>{
           {R"({"type": "mamba2", "d_model": 16, "headdim": 5})", "model.headdim = 5 does not divide expand·d_model = 32"},
           {R"({"type": "mamba2", "d_model": 16, "headdim": 8, "ngroups": 3})",
            "model.ngroups = 3 does not divide the 4 heads (expand·d_model / model.headdim)"},
           {R"({"type": "linear", "d_model": 16, "n_head": 3})", "model.d_model = 16 is not divisible by model.n_head = 3"},
           {R"({"type": "linear", "decay": "exp"})", "model.decay"}}) {
    SCOPED_TRACE(json);
    EXPECT_NE(error_of([&] { config_from_json(R"({"model": )" + json + "}"); }).find(phrase), std::string::npos);
  }
}

TEST(ModelFamily, AnLstmHasOnlyLstmBlocksAndNoAttentionOrMamba) {
  const ModelConfig c = config_from_json(R"({"model": {"type": "lstm", "d_model": 16, "n_layer": 3}})").model;
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(c.layer_family(i), ModelFamily::lstm) << i;
  EXPECT_FALSE(c.has_attention());
  EXPECT_FALSE(c.has_mamba());
  EXPECT_FALSE(c.learned_positions());
  EXPECT_EQ(c.lstm_hidden, 16);  // resolved: 0 = d_model
  EXPECT_EQ(c.to_json().at("lstm_hidden"), 16);
  EXPECT_EQ(config_from_json(R"({"model": {"type": "lstm", "lstm_hidden": 40}})").model.lstm_size(), 40);
}

TEST(ModelFamily, AHybridPlacesTransformerBlocksAtItsAttentionLayers) {
  const ModelConfig c =
      config_from_json(R"({"model": {"type": "hybrid", "n_layer": 4, "attn_layers": [0, 2]}})").model;
  for (int64_t i = 0; i < 4; ++i)
    EXPECT_EQ(c.layer_family(i), i % 2 == 0 ? ModelFamily::transformer : ModelFamily::mamba) << i;
  EXPECT_TRUE(c.has_attention() && c.has_mamba());
  for (const auto& [layers, phrase] : std::vector<std::pair<std::string, std::string>>{
           {"[4]", "model.attn_layers = 4: layer 4 is beyond model.n_layer = 4 (layers count from 0)"},
           {"[2, 1]", "model.attn_layers = 2,1: list each layer once, in ascending order"},
           {"[1, 1]", "model.attn_layers = 1,1: list each layer once, in ascending order"},
           {"[]", "model.attn_layers is empty: a hybrid needs at least one Transformer layer"}}) {
    SCOPED_TRACE(layers);
    EXPECT_NE(error_of([&] {
                config_from_json(R"({"model": {"type": "hybrid", "n_layer": 4, "attn_layers": )" + layers + "}}");
              }).find(phrase),
              std::string::npos);
  }
}

TEST(ModelFamily, StoredModelConfigsReadBackToTheSameModel) {
  for (const char* json : {R"({"model": {"type": "mamba", "d_model": 24, "d_state": 3, "d_conv": 2}})",
                           R"({"model": {"type": "window", "window": 8, "n_head": 2, "pos": "none"}})",
                           R"({"model": {"type": "hybrid", "n_layer": 3, "attn_layers": [2], "window": 4}})",
                           R"({"model": {"type": "lstm", "d_model": 24, "lstm_hidden": 40, "norm": "layernorm"}})",
                           R"({"model": {"type": "mamba2", "d_model": 24, "headdim": 12, "ngroups": 2, "d_state": 5}})",
                           R"({"model": {"type": "linear", "d_model": 24, "n_head": 3, "decay": "fixed"}})"}) {
    const ModelConfig c = config_from_json(json).model;
    const ModelConfig back = ModelConfig::from_json(c.to_json());
    EXPECT_EQ(back.to_json(), c.to_json()) << json;
    EXPECT_EQ(back.label(), c.label());
  }
  EXPECT_EQ(error_of([] { ModelConfig::from_json(Json{{"type", "rnn"}}); }),
            "model type = 'rnn': expected mamba, transformer, window, hybrid, lstm, mamba2 or linear");
}

TEST(ModelFamily, KeysOnlySomeFamiliesReadNameThem) {
  EXPECT_EQ(ModelConfig::families_reading("model.window", " or "), "transformer or hybrid");
  EXPECT_EQ(ModelConfig::families_reading("model.attn_layers", " or "), "hybrid");
  EXPECT_EQ(ModelConfig::families_reading("model.lstm_hidden", " or "), "lstm");
  EXPECT_EQ(ModelConfig::families_reading("model.d_model", ", "), "mamba, transformer, hybrid, lstm, mamba2, linear");
  EXPECT_EQ(ModelConfig::families_reading("model.norm", ", "), "mamba, transformer, hybrid, lstm, mamba2, linear");
  EXPECT_TRUE(ModelConfig::reads(ModelFamily::mamba, "train.lr"));
  EXPECT_FALSE(ModelConfig::reads(ModelFamily::transformer, "model.attn_layers"));
  for (const char* key : {"model.d_state", "model.n_head", "model.window", "model.pos", "model.attn_layers"})
    EXPECT_FALSE(ModelConfig::reads(ModelFamily::lstm, key)) << key;
}

}  // namespace
}  // namespace fl
