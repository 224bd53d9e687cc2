// Accuracy of a model on a task's evaluation set, per task size, two ways:
//  - teacher-forced: one parallel forward; a target is right when its argmax is right
//    (Feng et al.'s exact-match protocol; Jelassi et al.'s copy evaluation);
//  - generated: greedy decoding through step() (free generation, or with the environment's
//    inputs in place for interleaved tasks), judged by the task's verifier.
// "answer" = the final answer right; "whole" = every target right (the whole chain of thought;
// for copy the two coincide); "token" = the fraction of target tokens right.
#pragma once
#include <vector>

#include "core/config.h"
#include "data/eval_set.h"
#include "models/lm.h"

namespace fl {

struct Accuracy {
  double answer = 0, whole = 0, token = 0;
};

struct SizeAccuracy {
  int64_t size = 0, n = 0;
  Accuracy tf;
  Accuracy gen;
  bool generated = false;  // gen was measured
};

// What the greedy generation of one size's examples cost: wall time through the step path, and
// the tokens those examples hold (prompt + answer, chain of thought included).
struct GenerationCost {
  int64_t size = 0, examples = 0, tokens = 0;
  double seconds = 0;
};

struct EvalReport {
  std::vector<SizeAccuracy> rows;
  std::vector<GenerationCost> generation;  // one per size when generated (timings: kept out of to_json)
  SizeAccuracy overall() const;  // example-weighted means (size = 0)
  Json to_json() const;
  static EvalReport from_json(const Json& j);  // inverse of to_json (the "by_size" rows)
  Json generation_json() const;  // [{"size", "examples", "tokens", "seconds"}]
  static std::vector<GenerationCost> generation_from_json(const Json& j);  // inverse of generation_json
};

// One "by_size" row of EvalReport::to_json, and back.
Json to_json(const SizeAccuracy& row);
SizeAccuracy size_accuracy_from_json(const Json& j);

EvalReport evaluate(LanguageModel& model, const Task& task, const EvalSet& set, bool generate,
                    int64_t batch_size);

}  // namespace fl
