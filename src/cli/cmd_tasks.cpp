// freelunch tasks: every registered task with its description and its "task.*" parameters.
// A task whose parameters all have defaults is built with them to describe itself; one with
// required parameters (dataset: task.path) is listed with its parameters only.
#include <cstdio>

#include "cli/commands.h"
#include "core/config.h"
#include "render/table.h"
#include "tasks/task.h"

namespace fl::cli {

namespace {

// The task's own describe() with default parameters, or which required keys it needs first.
std::string description(const std::string& name, const std::vector<ParamSpec>& specs) {
  std::string required;
  for (const auto& s : specs)
    if (s.default_value.is_null()) required += (required.empty() ? "" : ", ") + s.key;
  if (!required.empty()) return "(describes itself once given " + required + ")";
  RawConfig defaults{"defaults of task '" + name + "'", {}, {}};
  return make_task(name, resolve(defaults, specs))->describe();
}

}  // namespace

void add_tasks_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("tasks", "list every task with its description and parameters");
  cmd->callback([] {
    bool first = true;
    for (const auto& name : task_names()) {
      const auto specs = task_param_specs(name);
      std::printf("%s%s\n  %s\n", first ? "" : "\n", name.c_str(), description(name, specs).c_str());
      first = false;
      if (specs.empty()) {
        std::printf("  (no parameters)\n");
        continue;
      }
      TextTable table({"key", "type", "default", "range", "meaning"});
      for (const auto& s : specs)
        table.add({s.key, kind_label(s.kind), default_label(s), range_label(s), s.doc});
      const std::string text = table.render();
      for (size_t start = 0, end; start < text.size(); start = end + 1) {  // indented by two spaces
        end = text.find('\n', start);
        std::printf("  %s\n", text.substr(start, end - start).c_str());
      }
    }
  });
}

}  // namespace fl::cli
