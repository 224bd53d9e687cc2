// Accuracy of a model on a task's evaluation set, per task size, two ways:
//  - teacher-forced: one parallel forward; a target is right when its argmax is right
//    (Feng et al.'s exact-match protocol; Jelassi et al.'s copy evaluation);
//  - generated: free greedy generation through step(), judged by the task's verifier.
// "string" accuracy = whole answer right; "token" accuracy = fraction of target tokens right.
#pragma once
#include <vector>

#include "core/config.h"
#include "eval/eval_set.h"
#include "models/lm.h"

namespace fl {

struct SizeAccuracy {
  int64_t size = 0, n = 0;
  double tf_string = 0, tf_token = 0;
  double gen_string = -1, gen_token = -1;  // -1 = not evaluated
};

struct EvalReport {
  std::vector<SizeAccuracy> rows;
  SizeAccuracy overall() const;  // example-weighted means (size = 0)
  Json to_json() const;
  static EvalReport from_json(const Json& j);  // inverse of to_json (the "by_size" rows)
};

EvalReport evaluate(LanguageModel& model, const Task& task, const EvalSet& set, bool generate,
                    int64_t batch_size);

}  // namespace fl
