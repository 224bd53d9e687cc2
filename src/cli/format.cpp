#include "cli/format.h"

#include <sstream>

#include "core/error.h"
#include "report/table.h"

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

std::vector<int64_t> parse_sizes(const std::string& text, const std::string& flag) {
  std::vector<int64_t> sizes;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    require(used == item.size() && !item.empty() && v > 0, flag + ": expected positive integers separated by "
                                                                  "commas, got '" + text + "'");
    sizes.push_back(v);
  }
  require(!sizes.empty(), flag + ": no sizes given");
  return sizes;
}

StateFootprint state_footprint(const LanguageModel& model) {
  return {model->state_bytes(1), model->state_bytes(1024), model->state_bytes(1025) - model->state_bytes(1024)};
}

}  // namespace fl::cli
