#include "cli/format.h"

#include "core/config.h"
#include "core/error.h"
#include "render/table.h"

namespace fl::cli {

std::string accuracy_table(const EvalReport& report, const std::string& size_name) {
  TextTable table({size_name, "n", "answer (tf)", "whole (tf)", "token (tf)", "answer (gen)", "whole (gen)",
                    "token (gen)"});
  auto add = [&](const std::string& label, const SizeAccuracy& r) {
    auto gen = [&](double v) { return r.generated ? fixed(v, 3) : std::string("-"); };
    table.add({label, std::to_string(r.n), fixed(r.tf.answer, 3), fixed(r.tf.whole, 3), fixed(r.tf.token, 3),
               gen(r.gen.answer), gen(r.gen.whole), gen(r.gen.token)});
  };
  for (const auto& r : report.rows) add(std::to_string(r.size), r);
  add("all", report.overall());
  return table.render() +
         "tf = teacher-forced argmax; gen = greedy generation through step(), judged by the task's verifier\n"
         "answer = final answer right; whole = every target right (the whole chain of thought); token = targets right\n";
}

std::vector<int64_t> parse_positive_list(const std::string& text, const std::string& flag, bool increasing) {
  const auto list = parse_int_list(text);
  bool valid = list && !list->empty();
  for (size_t i = 0; valid && i < list->size(); ++i)
    valid = (*list)[i] > 0 && (!increasing || i == 0 || (*list)[i] > (*list)[i - 1]);
  require(valid, flag + ": expected " + (increasing ? "increasing " : "") +
                     "positive integers separated by commas, got '" + text + "'");
  return *list;
}

}  // namespace fl::cli
