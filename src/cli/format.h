// Output helpers shared by the subcommands.
#pragma once
#include <string>
#include <vector>

#include "eval/evaluator.h"

namespace fl::cli {

// Accuracy per task size: teacher-forced and generated, string and token.
std::string accuracy_table(const EvalReport& report, const std::string& size_name);

// A list flag such as --sizes 5,10,20 (core/config.h's parse_int_list): positive integers,
// strictly increasing when `increasing`; fl::Error naming the flag otherwise.
std::vector<int64_t> parse_positive_list(const std::string& text, const std::string& flag, bool increasing = false);

}  // namespace fl::cli
