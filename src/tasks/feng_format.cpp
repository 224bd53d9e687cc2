#include "tasks/feng_format.h"

#include <algorithm>

namespace fl::feng {

void finish_example(Example& ex, int32_t eos) {
  ex.tokens.push_back(eos);
  ex.loss_mask.assign(ex.tokens.size(), 0);
  std::fill(ex.loss_mask.begin() + ex.prompt_len, ex.loss_mask.end(), 1);
  ex.answer_mask.assign(ex.tokens.size(), 0);
  ex.answer_mask[ex.tokens.size() - 2] = 1;
}

Verdict verify(const Task& task, const Example& example, const std::vector<int32_t>& generated, int32_t separator,
               int32_t eos) {
  const auto end = std::find(generated.begin(), generated.end(), eos);
  const int32_t answer = example.tokens[example.tokens.size() - 2];
  Verdict v;
  if (end != generated.end() && end != generated.begin()) {
    const bool after_separator = end - generated.begin() == 1 || *(end - 2) == separator;
    v.answer = after_separator && *(end - 1) == answer;
  }
  v.whole = generated == task.expected_output(example);
  return v;
}

std::string size_range(int64_t min_n, int64_t n) {
  return min_n == n ? std::to_string(n) : std::to_string(min_n) + ".." + std::to_string(n);
}

}  // namespace fl::feng
