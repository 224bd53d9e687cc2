// Output helpers shared by the subcommands.
#pragma once
#include <string>
#include <vector>

#include "eval/evaluator.h"
#include "models/lm.h"

namespace fl::cli {

// Accuracy per task size: teacher-forced and generated, string and token.
std::string accuracy_table(const EvalReport& report, const std::string& size_name);

// Parses "5,10,20" into sizes (fl::Error naming the flag on bad text).
std::vector<int64_t> parse_sizes(const std::string& text, const std::string& flag);

// Inference state of a model: bytes at position t and growth per extra token.
struct StateFootprint {
  int64_t bytes_at_1, bytes_at_1024, growth_per_token;
};
StateFootprint state_footprint(const LanguageModel& model);

}  // namespace fl::cli
