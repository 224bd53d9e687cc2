#include "eval/evaluator.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "core/timing.h"
#include "data/batch.h"
#include "infer/generate.h"

namespace fl {

namespace {

// Teacher-forced: adds per-example answer, whole and token correctness over one batch.
void teacher_forced(LanguageModel& model, const std::vector<Example>& examples, int32_t pad_id, Accuracy& acc) {
  Batch batch = make_batch(examples, pad_id);
  auto right = model->forward(batch.inputs).argmax(-1) == batch.targets;  // (B, T-1)
  auto wrong_target = (~right & batch.mask).sum(1), wrong_answer = (~right & batch.answer).sum(1);  // (B)
  auto n_target = batch.mask.sum(1);
  acc.whole += (wrong_target == 0).sum().item<double>();
  acc.answer += (wrong_answer == 0).sum().item<double>();
  acc.token += ((n_target - wrong_target).to(torch::kFloat64) / n_target.clamp_min(1)).sum().item<double>();
}

// Generated: greedy decoding from the prompt, judged by the verifier; token accuracy is the
// fraction of target positions where the output has the expected token.
void generated(LanguageModel& model, const Task& task, const std::vector<Example>& examples, Accuracy& acc) {
  std::map<int64_t, std::vector<const Example*>> by_prompt;  // one batch per prompt length
  for (const auto& ex : examples) by_prompt[ex.prompt_len].push_back(&ex);
  for (const auto& [len, group] : by_prompt) {
    std::vector<DecodeRequest> requests;
    for (const auto* ex : group) {
      DecodeRequest r{{ex->tokens.begin(), ex->tokens.begin() + len}, {}};
      const bool free_form = ex->free_form();
      for (size_t t = len; t < ex->tokens.size(); ++t)
        r.given.push_back(free_form || ex->loss_mask[t] ? kModelToken : ex->tokens[t]);
      requests.push_back(std::move(r));
    }
    const auto outputs = decode_greedy(model, requests, task.eos_id());
    for (size_t i = 0; i < group.size(); ++i) {
      const Example& ex = *group[i];
      const Verdict v = task.verify(ex, outputs[i]);
      int64_t same = 0, targets = 0;
      for (size_t t = len; t < ex.tokens.size(); ++t) {
        if (!ex.loss_mask[t]) continue;
        ++targets;
        const size_t k = t - len;
        same += k < outputs[i].size() && outputs[i][k] == ex.tokens[t];
      }
      acc.answer += v.answer, acc.whole += v.whole;
      acc.token += static_cast<double>(same) / static_cast<double>(std::max<int64_t>(targets, 1));
    }
  }
}

void scale(Accuracy& a, double by) { a.answer *= by, a.whole *= by, a.token *= by; }
void add(Accuracy& into, const Accuracy& a, double weight) {
  into.answer += a.answer * weight, into.whole += a.whole * weight, into.token += a.token * weight;
}

}  // namespace

EvalReport evaluate(LanguageModel& model, const Task& task, const EvalSet& set, bool generate, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  EvalReport report;
  for (const auto& [size, examples] : set.by_size()) {
    SizeAccuracy acc;
    acc.size = size;
    acc.n = static_cast<int64_t>(examples.size());
    acc.generated = generate;
    GenerationCost cost{size, acc.n, 0, 0.0};
    for (size_t start = 0; start < examples.size(); start += batch_size) {
      const size_t end = std::min(examples.size(), start + static_cast<size_t>(batch_size));
      const std::vector<Example> chunk(examples.begin() + start, examples.begin() + end);
      teacher_forced(model, chunk, task.pad_id(), acc.tf);
      if (!generate) continue;
      const auto t0 = std::chrono::steady_clock::now();
      generated(model, task, chunk, acc.gen);
      cost.seconds += seconds_since(t0);
      for (const auto& ex : chunk) cost.tokens += static_cast<int64_t>(ex.tokens.size());
    }
    if (generate) report.generation.push_back(cost);
    scale(acc.tf, 1.0 / std::max<int64_t>(acc.n, 1));
    scale(acc.gen, 1.0 / std::max<int64_t>(acc.n, 1));
    report.rows.push_back(acc);
  }
  model->train(was_training);
  return report;
}

SizeAccuracy EvalReport::overall() const {
  SizeAccuracy total;
  total.generated = !rows.empty() && rows[0].generated;
  for (const auto& r : rows) total.n += r.n;
  for (const auto& r : rows) {
    const double w = static_cast<double>(r.n) / static_cast<double>(std::max<int64_t>(total.n, 1));
    add(total.tf, r.tf, w), add(total.gen, r.gen, w);
  }
  return total;
}

namespace {
Json accuracy_json(const Accuracy& a) { return {{"answer", a.answer}, {"whole", a.whole}, {"token", a.token}}; }
Accuracy accuracy_from(const Json& j) { return {j.at("answer"), j.at("whole"), j.at("token")}; }
}  // namespace

Json to_json(const SizeAccuracy& r) {
  Json j = {{"size", r.size}, {"n", r.n}, {"tf", accuracy_json(r.tf)}};
  if (r.generated) j["gen"] = accuracy_json(r.gen);
  return j;
}

SizeAccuracy size_accuracy_from_json(const Json& j) {
  SizeAccuracy a;
  a.size = j.at("size"), a.n = j.at("n"), a.tf = accuracy_from(j.at("tf"));
  a.generated = j.contains("gen");
  if (a.generated) a.gen = accuracy_from(j.at("gen"));
  return a;
}

Json EvalReport::to_json() const {
  Json rows_json = Json::array();
  for (const auto& r : rows) rows_json.push_back(fl::to_json(r));
  Json all = fl::to_json(overall());
  all.erase("size");
  return {{"overall", all}, {"by_size", rows_json}};
}

Json EvalReport::generation_json() const {
  Json out = Json::array();
  for (const auto& g : generation)
    out.push_back({{"size", g.size}, {"examples", g.examples}, {"tokens", g.tokens}, {"seconds", g.seconds}});
  return out;
}

std::vector<GenerationCost> EvalReport::generation_from_json(const Json& j) {
  std::vector<GenerationCost> out;
  for (const auto& g : j)
    out.push_back({g.at("size").get<int64_t>(), g.at("examples").get<int64_t>(), g.at("tokens").get<int64_t>(),
                   g.at("seconds").get<double>()});
  return out;
}

EvalReport EvalReport::from_json(const Json& j) {
  EvalReport report;
  for (const auto& r : j.at("by_size")) report.rows.push_back(size_accuracy_from_json(r));
  return report;
}

}  // namespace fl
