#include "eval/evaluator.h"

#include <algorithm>

#include "infer/generate.h"
#include "train/batch.h"

namespace fl {

namespace {

// Teacher-forced: adds per-example string and token correctness over one batch.
void teacher_forced(LanguageModel& model, const std::vector<Example>& examples, int32_t pad_id,
                    SizeAccuracy& acc) {
  Batch batch = make_batch(examples, pad_id);
  auto right = (model->forward(batch.inputs).argmax(-1) == batch.targets) & batch.mask;  // (B, T-1)
  auto n_right = right.sum(1), n_target = batch.mask.sum(1);                            // (B)
  acc.tf_string += (n_right == n_target).sum().item<double>();
  acc.tf_token += (n_right.to(torch::kFloat64) / n_target.clamp_min(1)).sum().item<double>();
}

// Generated: greedy continuation from the prompt, judged by the verifier.
void generated(LanguageModel& model, const Task& task, const std::vector<Example>& examples,
               SizeAccuracy& acc) {
  // Group by prompt length so each group runs as one batch through the step path.
  std::map<int64_t, std::vector<const Example*>> groups;
  for (const auto& ex : examples) groups[ex.prompt_len].push_back(&ex);
  for (const auto& [len, group] : groups) {
    std::vector<std::vector<int32_t>> prompts;
    int64_t max_new = 0;
    for (const auto* ex : group) {
      prompts.emplace_back(ex->tokens.begin(), ex->tokens.begin() + len);
      max_new = std::max<int64_t>(max_new, static_cast<int64_t>(ex->tokens.size()) - len);
    }
    auto outputs = generate_greedy(model, prompts, max_new, task.eos_id());
    for (size_t i = 0; i < group.size(); ++i) {
      const auto expected = task.expected_output(*group[i]);
      int64_t same = 0;
      for (size_t t = 0; t < expected.size() && t < outputs[i].size(); ++t) same += outputs[i][t] == expected[t];
      acc.gen_string += task.verify(*group[i], outputs[i]) ? 1.0 : 0.0;
      acc.gen_token += static_cast<double>(same) / static_cast<double>(expected.size());
    }
  }
}

}  // namespace

EvalReport evaluate(LanguageModel& model, const Task& task, const EvalSet& set, bool generate,
                    int64_t batch_size) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  EvalReport report;
  for (const auto& [size, examples] : set.by_size()) {
    SizeAccuracy acc;
    acc.size = size;
    acc.n = static_cast<int64_t>(examples.size());
    if (generate) acc.gen_string = acc.gen_token = 0;
    for (size_t start = 0; start < examples.size(); start += batch_size) {
      const size_t end = std::min(examples.size(), start + static_cast<size_t>(batch_size));
      std::vector<Example> chunk(examples.begin() + start, examples.begin() + end);
      teacher_forced(model, chunk, task.pad_id(), acc);
      if (generate) generated(model, task, chunk, acc);
    }
    const double n = std::max<int64_t>(acc.n, 1);
    acc.tf_string /= n, acc.tf_token /= n;
    if (generate) acc.gen_string /= n, acc.gen_token /= n;
    report.rows.push_back(acc);
  }
  model->train(was_training);
  return report;
}

SizeAccuracy EvalReport::overall() const {
  SizeAccuracy total;
  for (const auto& r : rows) {
    total.n += r.n;
    total.tf_string += r.tf_string * r.n, total.tf_token += r.tf_token * r.n;
    total.gen_string += r.gen_string * r.n, total.gen_token += r.gen_token * r.n;
  }
  const double n = std::max<int64_t>(total.n, 1);
  total.tf_string /= n, total.tf_token /= n;
  const bool generated = !rows.empty() && rows[0].gen_string >= 0;
  total.gen_string = generated ? total.gen_string / n : -1;
  total.gen_token = generated ? total.gen_token / n : -1;
  return total;
}

Json EvalReport::to_json() const {
  auto row_json = [](const SizeAccuracy& r) {
    Json j = {{"size", r.size}, {"n", r.n}, {"tf_string", r.tf_string}, {"tf_token", r.tf_token}};
    if (r.gen_string >= 0) j.update({{"gen_string", r.gen_string}, {"gen_token", r.gen_token}});
    return j;
  };
  Json rows_json = Json::array();
  for (const auto& r : rows) rows_json.push_back(row_json(r));
  Json all = row_json(overall());
  all.erase("size");
  return {{"overall", all}, {"by_size", rows_json}};
}

EvalReport EvalReport::from_json(const Json& j) {
  EvalReport report;
  for (const auto& r : j.at("by_size")) {
    SizeAccuracy a;
    a.size = r.at("size"), a.n = r.at("n"), a.tf_string = r.at("tf_string"), a.tf_token = r.at("tf_token");
    a.gen_string = r.value("gen_string", -1.0), a.gen_token = r.value("gen_token", -1.0);
    report.rows.push_back(a);
  }
  return report;
}

}  // namespace fl
