// The task registry: every task by name, with its parameter specs and factory.
#include <functional>

#include "core/error.h"
#include "tasks/arithmetic.h"
#include "tasks/assoc_recall.h"
#include "tasks/copy.h"
#include "tasks/dataset_file.h"
#include "tasks/edit_distance.h"
#include "tasks/lis.h"
#include "tasks/local_dp.h"
#include "tasks/lookup.h"
#include "tasks/ngram_lookup.h"
#include "tasks/task.h"

namespace fl {

namespace {
struct Entry {
  std::string name;
  std::function<std::vector<ParamSpec>()> specs;
  std::function<std::unique_ptr<Task>(const ParamValues&)> create;
  // For tasks that read files: built from a recorded vocabulary when the files are gone.
  std::function<std::unique_ptr<Task>(const ParamValues&, const std::vector<std::string>&)> restore = nullptr;
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = {
      {"copy", CopyTask::specs, CopyTask::create},
      {"prefix_ngram", NgramLookupTask::specs, NgramLookupTask::create_prefix},
      {"suffix_ngram", NgramLookupTask::specs, NgramLookupTask::create_suffix},
      {"lookup", LookupTask::specs, LookupTask::create},
      {"assoc_recall", AssocRecallTask::specs, AssocRecallTask::create},
      {"local_dp", LocalDpTask::specs, LocalDpTask::create},
      {"lis", LisTask::specs, LisTask::create},
      {"edit_distance", EditDistanceTask::specs, EditDistanceTask::create},
      {"arithmetic", ArithmeticTask::specs, ArithmeticTask::create},
      {"dataset", DatasetTask::specs, DatasetTask::create, DatasetTask::restore},
  };
  return all;
}

const Entry& find(const std::string& name) {
  for (const auto& e : entries())
    if (e.name == name) return e;
  std::string known;
  for (const auto& e : entries()) known += (known.empty() ? "" : ", ") + e.name;
  throw Error("unknown task '" + name + "' (known: " + known + ")");
}
}  // namespace

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& e : entries()) names.push_back(e.name);
  return names;
}

std::vector<ParamSpec> task_param_specs(const std::string& name) { return find(name).specs(); }

std::unique_ptr<Task> make_task(const std::string& name, const ParamValues& params) {
  return find(name).create(params);
}

std::unique_ptr<Task> restore_task(const std::string& name, const ParamValues& params,
                                   const std::vector<std::string>& names) {
  const Entry& entry = find(name);
  auto task = entry.restore ? entry.restore(params, names) : entry.create(params);
  require(task->vocab().names() == names,
          "task " + name + ": its vocabulary (" + std::to_string(task->vocab().size()) +
              " tokens) is not the one recorded with the model (" + std::to_string(names.size()) +
              " tokens): its files changed since the checkpoint was written");
  return task;
}

}  // namespace fl
