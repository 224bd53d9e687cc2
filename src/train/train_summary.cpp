#include "train/train_summary.h"

namespace fl {

Json TrainSummary::to_json() const {
  Json j{{"final_loss", final_loss},
         {"tokens_per_s", tokens_per_second},
         {"train_seconds", train_seconds},
         {"parameters", parameters},
         {"state_bytes_per_token", state_bytes_per_token},
         {"threads", threads},
         {"eval", eval.to_json()}};
  if (!eval.generation.empty()) j["generation"] = eval.generation_json();
  if (validation) j["validation"] = validation->to_json();
  return j;
}

TrainSummary TrainSummary::from_json(const Json& j) {
  TrainSummary s;
  s.final_loss = j.at("final_loss").get<double>();
  s.tokens_per_second = j.at("tokens_per_s").get<double>();
  s.train_seconds = j.at("train_seconds").get<double>();
  s.parameters = j.at("parameters").get<int64_t>();
  s.state_bytes_per_token = j.at("state_bytes_per_token").get<int64_t>();
  s.threads = j.at("threads").get<int64_t>();
  s.eval = EvalReport::from_json(j.at("eval"));
  if (j.contains("generation")) s.eval.generation = EvalReport::generation_from_json(j.at("generation"));
  if (j.contains("validation")) s.validation = EvalReport::from_json(j.at("validation"));
  return s;
}

}  // namespace fl
