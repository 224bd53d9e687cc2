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

// Runs read(), turning a missing or mistyped key into one fl::Error line naming the document.
template <typename F>
auto reading(const char* document, F read) {
  try {
    return read();
  } catch (const Json::exception& e) {
    throw Error(std::string(document) + ": " + e.what());
  }
}

}  // namespace

Json copy_theory_json(const theory::CopyTheoryOptions& o, const theory::CopyTheoryResult& r) {
  const Json options = {{"max_n", o.max_n}, {"samples", o.samples}, {"seed", o.seed},
                        {"state", o.state}, {"values", o.values},   {"epsilon", number_json(o.epsilon)},
                        {"dtype", o.dtype}};
  return {{"theory", "copy"},
          {"options", options},
          {"decay", number_json(r.decay)},
          {"lengths", rows_json(r.lengths, kLengthFields)},
          {"distances", rows_json(r.distances, kDistanceFields)}};
}

StoredCopyTheory read_copy_theory_json(const Json& j) {
  return reading("copy theory JSON", [&] {
    StoredCopyTheory s;
    const Json& o = j.at("options");
    s.options.max_n = o.at("max_n").get<int64_t>(), s.options.samples = o.at("samples").get<int64_t>();
    s.options.seed = o.at("seed").get<uint64_t>(), s.options.state = o.at("state").get<int64_t>();
    s.options.values = o.at("values").get<int64_t>(), s.options.epsilon = number_of(o.at("epsilon"));
    s.options.dtype = o.at("dtype").get<std::string>(), s.options.progress = false;
    s.result.decay = number_of(j.at("decay"));
    s.result.lengths = rows_of(j.at("lengths"), kLengthFields);
    s.result.distances = rows_of(j.at("distances"), kDistanceFields);
    return s;
  });
}

Json local_dp_theory_json(const theory::LocalDpTheoryOptions& o, const theory::LocalDpTheoryResult& r) {
  const Json options = {{"locality", o.locality},         {"modulus", o.modulus},   {"max_tokens", o.max_tokens},
                        {"max_prefix_n", o.max_prefix_n}, {"examples", o.examples}, {"seed", o.seed}};
  const LinearFit& f = r.smallest_fit;
  const Json fit = {{"points", f.points},
                    {"slope", number_json(f.slope)},
                    {"intercept", number_json(f.intercept)},
                    {"r_squared", number_json(f.r_squared)}};
  return {{"theory", "local-dp"},
          {"options", options},
          {"window", r.window},
          {"interleaved_channels", r.interleaved_channels},
          {"prefix_channels", r.prefix_channels},
          {"interleaved", measured_rows_json(r.interleaved, kInterleavedFields)},
          {"prefix_fixed", measured_rows_json(r.prefix_fixed, kPrefixFields)},
          {"smallest", rows_json(r.smallest, kSmallestFields)},
          {"smallest_fit", fit},
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
    s.options.progress = false;
    s.result.window = j.at("window").get<int64_t>();
    s.result.interleaved_channels = j.at("interleaved_channels").get<int64_t>();
    s.result.prefix_channels = j.at("prefix_channels").get<int64_t>();
    s.result.interleaved = measured_rows_of(j.at("interleaved"), kInterleavedFields);
    s.result.prefix_fixed = measured_rows_of(j.at("prefix_fixed"), kPrefixFields);
    s.result.smallest = rows_of(j.at("smallest"), kSmallestFields);
    const Json& f = j.at("smallest_fit");
    s.result.smallest_fit = {f.at("points").get<int64_t>(), number_of(f.at("slope")), number_of(f.at("intercept")),
                             number_of(f.at("r_squared"))};
    s.result.plots_rendered = j.at("plots_rendered").get<bool>();
    return s;
  });
}

}  // namespace fl::reproduce
