#include "reproduce/theory_results.h"

#include <cmath>
#include <limits>
#include <utility>

#include "core/error.h"

namespace fl::reproduce {
namespace {

using theory::CopyDistanceRow;
using theory::CopyLengthRow;
using theory::InterleavedRow;
using theory::PrefixRow;
using theory::SmallestStateRow;

Json number_json(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }
double number_of(const Json& j) { return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>(); }

// The stored fields of each row type, by name: the writer and the reader walk the same lists.
template <typename Row>
struct Fields {
  std::vector<std::pair<const char*, int64_t Row::*>> counts;
  std::vector<std::pair<const char*, double Row::*>> numbers;
};

const Fields<CopyLengthRow> kLengthFields{{{"n", &CopyLengthRow::n},
                                           {"exact_state_bytes", &CopyLengthRow::exact_state_bytes},
                                           {"constant_state_bytes", &CopyLengthRow::constant_state_bytes},
                                           {"kv_cache_bytes", &CopyLengthRow::kv_cache_bytes}},
                                          {{"exact_error", &CopyLengthRow::exact_error},
                                           {"exact_step_error", &CopyLengthRow::exact_step_error},
                                           {"exact_head_accuracy", &CopyLengthRow::exact_head_accuracy},
                                           {"constant_error_within", &CopyLengthRow::constant_error_within},
                                           {"constant_error_beyond", &CopyLengthRow::constant_error_beyond},
                                           {"logit_scale_needed", &CopyLengthRow::logit_scale_needed},
                                           {"logit_scale_theorem", &CopyLengthRow::logit_scale_theorem},
                                           {"attention_error", &CopyLengthRow::attention_error},
                                           {"attention_step_error", &CopyLengthRow::attention_step_error},
                                           {"attention_error_below", &CopyLengthRow::attention_error_below}}};

const Fields<CopyDistanceRow> kDistanceFields{{{"distance", &CopyDistanceRow::distance}},
                                              {{"exact_error", &CopyDistanceRow::exact_error},
                                               {"constant_error", &CopyDistanceRow::constant_error},
                                               {"attention_error", &CopyDistanceRow::attention_error},
                                               {"needed_score", &CopyDistanceRow::needed_score},
                                               {"theorem_score", &CopyDistanceRow::theorem_score}}};

const Fields<InterleavedRow> kInterleavedFields{
    {{"tokens", &InterleavedRow::tokens}, {"n", &InterleavedRow::n}, {"state_bytes", &InterleavedRow::state_bytes}},
    {}};

const Fields<PrefixRow> kPrefixFields{
    {{"n", &PrefixRow::n}, {"window", &PrefixRow::window}, {"state_bytes", &PrefixRow::state_bytes}}, {}};

const Fields<SmallestStateRow> kSmallestFields{
    {{"n", &SmallestStateRow::n},
     {"window", &SmallestStateRow::window},
     {"state_bytes", &SmallestStateRow::state_bytes}},
    {{"whole_below", &SmallestStateRow::whole_below}, {"bound_bits", &SmallestStateRow::bound_bits}}};

const Fields<theory::RingRow> kRingFields{
    {{"tokens", &theory::RingRow::tokens}, {"n", &theory::RingRow::n}, {"state_bytes", &theory::RingRow::state_bytes}},
    {{"scan_flops", &theory::RingRow::scan_flops}}};

const Fields<theory::SlotDpPrecision> kPrecisionFields{{},
                                                       {{"readout_error", &theory::SlotDpPrecision::readout_error},
                                                        {"margin_parallel", &theory::SlotDpPrecision::margin_parallel},
                                                        {"margin_step", &theory::SlotDpPrecision::margin_step}}};

const Fields<theory::SmallestSlots> kSlotsFields{
    {{"slots", &theory::SmallestSlots::slots}, {"state_bytes", &theory::SmallestSlots::state_bytes}},
    {{"exact_below", &theory::SmallestSlots::exact_below}, {"scan_flops", &theory::SmallestSlots::scan_flops}}};

const Fields<theory::PointerRow> kPointerFields{
    {{"n", &theory::PointerRow::n}, {"tokens", &theory::PointerRow::tokens}, {"problems", &theory::PointerRow::problems}},
    {{"bound_bits", &theory::PointerRow::bound_bits}}};

const Fields<theory::FrontierCell> kFrontierCellFields{
    {{"distance", &theory::FrontierCell::distance}, {"restarts", &theory::FrontierCell::restarts}},
    {{"max_score", &theory::FrontierCell::max_score},
     {"error", &theory::FrontierCell::error},
     {"ring_error", &theory::FrontierCell::ring_error}}};

const Fields<theory::FrontierRow> kFrontierRowFields{
    {{"longest", &theory::FrontierRow::longest}, {"ring_longest", &theory::FrontierRow::ring_longest}},
    {{"max_score", &theory::FrontierRow::max_score}, {"decay_limit", &theory::FrontierRow::decay_limit}}};

const Fields<theory::MambaScoreRow> kMambaScoreFields{
    {{"layer", &theory::MambaScoreRow::layer},
     {"distance", &theory::MambaScoreRow::distance},
     {"queries", &theory::MambaScoreRow::queries}},
    {{"source_weight", &theory::MambaScoreRow::source_weight},
     {"raw_score", &theory::MambaScoreRow::raw_score},
     {"decay", &theory::MambaScoreRow::decay},
     {"needed_score", &theory::MambaScoreRow::needed_score},
     {"bound", &theory::MambaScoreRow::bound}}};

const Fields<theory::TransformerScoreRow> kTransformerScoreFields{
    {{"layer", &theory::TransformerScoreRow::layer},
     {"distance", &theory::TransformerScoreRow::distance},
     {"queries", &theory::TransformerScoreRow::queries}},
    {{"gap", &theory::TransformerScoreRow::gap},
     {"smallest_gap", &theory::TransformerScoreRow::smallest_gap},
     {"needed_gap", &theory::TransformerScoreRow::needed_gap},
     {"source_probability", &theory::TransformerScoreRow::source_probability}}};

template <typename Row>
Json row_json(const Row& row, const Fields<Row>& fields) {
  Json j = Json::object();
  for (const auto& [key, member] : fields.counts) j[key] = row.*member;
  for (const auto& [key, member] : fields.numbers) j[key] = number_json(row.*member);
  return j;
}

template <typename Row>
Row row_of(const Json& j, const Fields<Row>& fields) {
  Row row;
  for (const auto& [key, member] : fields.counts) row.*member = j.at(key).template get<int64_t>();
  for (const auto& [key, member] : fields.numbers) row.*member = number_of(j.at(key));
  return row;
}

template <typename Row>
Json rows_json(const std::vector<Row>& rows, const Fields<Row>& fields) {
  Json out = Json::array();
  for (const auto& row : rows) out.push_back(row_json(row, fields));
  return out;
}

template <typename Row>
std::vector<Row> rows_of(const Json& j, const Fields<Row>& fields) {
  std::vector<Row> rows;
  for (const auto& item : j) rows.push_back(row_of(item, fields));
  return rows;
}

// Rows that also carry an accuracy (interleaved, prefix): the fields plus "accuracy".
template <typename Row>
Json measured_rows_json(const std::vector<Row>& rows, const Fields<Row>& fields) {
  Json out = Json::array();
  for (const auto& row : rows) {
    Json j = row_json(row, fields);
    j["accuracy"] = to_json(row.accuracy);
    out.push_back(std::move(j));
  }
  return out;
}
template <typename Row>
std::vector<Row> measured_rows_of(const Json& j, const Fields<Row>& fields) {
  std::vector<Row> rows;
  for (const auto& item : j) {
    rows.push_back(row_of(item, fields));
    rows.back().accuracy = size_accuracy_from_json(item.at("accuracy"));
  }
  return rows;
}

Json ring_rows_json(const std::vector<theory::RingRow>& rows) {
  Json out = Json::array();
  for (const auto& row : rows) {
    Json j = row_json(row, kRingFields);
    j["accuracy"] = to_json(row.accuracy), j["ablated"] = to_json(row.ablated);
    j["precision"] = row_json(row.precision, kPrecisionFields);
    out.push_back(std::move(j));
  }
  return out;
}
std::vector<theory::RingRow> ring_rows_of(const Json& j) {
  std::vector<theory::RingRow> rows;
  for (const auto& item : j) {
    rows.push_back(row_of(item, kRingFields));
    rows.back().accuracy = size_accuracy_from_json(item.at("accuracy"));
    rows.back().ablated = size_accuracy_from_json(item.at("ablated"));
    rows.back().precision = row_of(item.at("precision"), kPrecisionFields);
  }
  return rows;
}

Json pointer_rows_json(const std::vector<theory::PointerRow>& rows) {
  Json out = Json::array();
  for (const auto& row : rows) {
    Json j = row_json(row, kPointerFields);
    j["state"] = row_json(row.state, kSlotsFields), j["ring"] = row_json(row.ring, kSlotsFields);
    out.push_back(std::move(j));
  }
  return out;
}
std::vector<theory::PointerRow> pointer_rows_of(const Json& j) {
  std::vector<theory::PointerRow> rows;
  for (const auto& item : j) {
    rows.push_back(row_of(item, kPointerFields));
    rows.back().state = row_of(item.at("state"), kSlotsFields);
    rows.back().ring = row_of(item.at("ring"), kSlotsFields);
  }
  return rows;
}

Json fit_json(const LinearFit& f) {
  return {{"points", f.points},
          {"slope", number_json(f.slope)},
          {"intercept", number_json(f.intercept)},
          {"r_squared", number_json(f.r_squared)}};
}
LinearFit fit_of(const Json& f) {
  return {f.at("points").get<int64_t>(), number_of(f.at("slope")), number_of(f.at("intercept")),
          number_of(f.at("r_squared"))};
}

// Runs read(), turning a missing or mistyped key into one fl::Error line naming the document.
template <typename F>
auto reading(const char* document, F read) {
  try {
    return read();
  } catch (const Json::exception& e) {
    throw Error(std::string(document) + ": " + e.what());
  }
}

Json numbers_json(const std::vector<double>& values) {
  Json out = Json::array();
  for (double v : values) out.push_back(number_json(v));
  return out;
}

}  // namespace

Json copy_theory_json(const theory::CopyTheoryOptions& o, const theory::CopyTheoryResult& r) {
  const auto& f = o.frontier;
  const Json frontier_options = {{"state", f.state},       {"decay_cap", number_json(f.decay_cap)},
                                 {"max_score", number_json(f.max_score)}, {"restarts", f.restarts},
                                 {"iterations", f.iterations}, {"epsilon", number_json(f.epsilon)}};
  const Json options = {{"max_n", o.max_n},
                        {"samples", o.samples},
                        {"seed", o.seed},
                        {"state", o.state},
                        {"values", o.values},
                        {"epsilon", number_json(o.epsilon)},
                        {"dtype", o.dtype},
                        {"measure_frontier", o.measure_frontier},
                        {"frontier", frontier_options}};
  return {{"theory", "copy"},
          {"options", options},
          {"decay", number_json(r.decay)},
          {"lengths", rows_json(r.lengths, kLengthFields)},
          {"distances", rows_json(r.distances, kDistanceFields)},
          {"frontier",
           {{"cells", rows_json(r.frontier.cells, kFrontierCellFields)},
            {"rows", rows_json(r.frontier.rows, kFrontierRowFields)}}}};
}

StoredCopyTheory read_copy_theory_json(const Json& j) {
  return reading("copy theory JSON", [&] {
    StoredCopyTheory s;
    const Json& o = j.at("options");
    s.options.max_n = o.at("max_n").get<int64_t>(), s.options.samples = o.at("samples").get<int64_t>();
    s.options.seed = o.at("seed").get<uint64_t>(), s.options.state = o.at("state").get<int64_t>();
    s.options.values = o.at("values").get<int64_t>(), s.options.epsilon = number_of(o.at("epsilon"));
    s.options.dtype = o.at("dtype").get<std::string>(), s.options.progress = false;
    s.options.measure_frontier = o.at("measure_frontier").get<bool>();
    const Json& f = o.at("frontier");
    s.options.frontier.state = f.at("state").get<int64_t>(), s.options.frontier.decay_cap = number_of(f.at("decay_cap"));
    s.options.frontier.max_score = number_of(f.at("max_score")), s.options.frontier.restarts = f.at("restarts").get<int64_t>();
    s.options.frontier.iterations = f.at("iterations").get<int64_t>();
    s.options.frontier.epsilon = number_of(f.at("epsilon")), s.options.frontier.seed = s.options.seed;
    s.result.decay = number_of(j.at("decay"));
    s.result.lengths = rows_of(j.at("lengths"), kLengthFields);
    s.result.distances = rows_of(j.at("distances"), kDistanceFields);
    s.result.frontier.cells = rows_of(j.at("frontier").at("cells"), kFrontierCellFields);
    s.result.frontier.rows = rows_of(j.at("frontier").at("rows"), kFrontierRowFields);
    return s;
  });
}

Json local_dp_theory_json(const theory::LocalDpTheoryOptions& o, const theory::LocalDpTheoryResult& r) {
  const Json options = {{"locality", o.locality},         {"modulus", o.modulus},   {"max_tokens", o.max_tokens},
                        {"max_prefix_n", o.max_prefix_n}, {"examples", o.examples}, {"seed", o.seed},
                        {"max_pointer_n", o.max_pointer_n}};
  return {{"theory", "local-dp"},
          {"options", options},
          {"ring", ring_rows_json(r.ring)},
          {"pointer", pointer_rows_json(r.pointer)},
          {"ring_slots_fit", fit_json(r.ring_slots_fit)},
          {"window", r.window},
          {"interleaved_channels", r.interleaved_channels},
          {"prefix_channels", r.prefix_channels},
          {"interleaved", measured_rows_json(r.interleaved, kInterleavedFields)},
          {"prefix_fixed", measured_rows_json(r.prefix_fixed, kPrefixFields)},
          {"smallest", rows_json(r.smallest, kSmallestFields)},
          {"smallest_fit", fit_json(r.smallest_fit)},
          {"plots_rendered", r.plots_rendered}};
}

StoredLocalDpTheory read_local_dp_theory_json(const Json& j) {
  return reading("local-dp theory JSON", [&] {
    StoredLocalDpTheory s;
    const Json& o = j.at("options");
    s.options.locality = o.at("locality").get<int64_t>(), s.options.modulus = o.at("modulus").get<int64_t>();
    s.options.max_tokens = o.at("max_tokens").get<int64_t>();
    s.options.max_prefix_n = o.at("max_prefix_n").get<int64_t>();
    s.options.examples = o.at("examples").get<int64_t>(), s.options.seed = o.at("seed").get<uint64_t>();
    s.options.max_pointer_n = o.at("max_pointer_n").get<int64_t>(), s.options.progress = false;
    s.result.ring = ring_rows_of(j.at("ring"));
    s.result.pointer = pointer_rows_of(j.at("pointer"));
    s.result.ring_slots_fit = fit_of(j.at("ring_slots_fit"));
    s.result.window = j.at("window").get<int64_t>();
    s.result.interleaved_channels = j.at("interleaved_channels").get<int64_t>();
    s.result.prefix_channels = j.at("prefix_channels").get<int64_t>();
    s.result.interleaved = measured_rows_of(j.at("interleaved"), kInterleavedFields);
    s.result.prefix_fixed = measured_rows_of(j.at("prefix_fixed"), kPrefixFields);
    s.result.smallest = rows_of(j.at("smallest"), kSmallestFields);
    s.result.smallest_fit = fit_of(j.at("smallest_fit"));
    s.result.plots_rendered = j.at("plots_rendered").get<bool>();
    return s;
  });
}

Json trained_scores_json(const StoredTrainedScores& stored) {
  const auto& o = stored.options;
  Json models = Json::array();
  for (const auto& m : stored.models)
    models.push_back({{"cell", m.cell},
                      {"label", m.label},
                      {"stem", m.stem},
                      {"accuracy", number_json(m.accuracy)},
                      {"model_type", m.scores.model_type},
                      {"step_decay", numbers_json(m.scores.step_decay)},
                      {"mamba", rows_json(m.scores.mamba, kMambaScoreFields)},
                      {"transformer", rows_json(m.scores.transformer, kTransformerScoreFields)}});
  return {{"theory", "trained-scores"},
          {"options", {{"sizes", o.sizes}, {"samples", o.samples}, {"seed", o.seed}, {"epsilon", number_json(o.epsilon)}}},
          {"models", models}};
}

StoredTrainedScores read_trained_scores_json(const Json& j) {
  return reading("trained scores JSON", [&] {
    StoredTrainedScores s;
    const Json& o = j.at("options");
    s.options.sizes = o.at("sizes").get<std::vector<int64_t>>(), s.options.samples = o.at("samples").get<int64_t>();
    s.options.seed = o.at("seed").get<uint64_t>(), s.options.epsilon = number_of(o.at("epsilon"));
    for (const Json& m : j.at("models")) {
      TrainedModelScores model;
      model.cell = m.at("cell").get<std::string>(), model.label = m.at("label").get<std::string>();
      model.stem = m.at("stem").get<std::string>(), model.accuracy = number_of(m.at("accuracy"));
      model.scores.model_type = m.at("model_type").get<std::string>();
      for (const Json& v : m.at("step_decay")) model.scores.step_decay.push_back(number_of(v));
      model.scores.mamba = rows_of(m.at("mamba"), kMambaScoreFields);
      model.scores.transformer = rows_of(m.at("transformer"), kTransformerScoreFields);
      s.models.push_back(std::move(model));
    }
    return s;
  });
}

}  // namespace fl::reproduce
