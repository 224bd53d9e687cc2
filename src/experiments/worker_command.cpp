#include "experiments/worker_command.h"

#include "core/subprocess.h"
#include "kernels/kernel_mode.h"

namespace fl {

std::vector<std::string> freelunch_child_command(int threads, const std::vector<std::string>& args,
                                                 engine::Mode engine) {
  std::vector<std::string> argv = {self_executable(), "--threads", std::to_string(threads),
                                   "--kernels",       kernels::mode_name(kernels::mode()),
                                   "--engine",        engine::mode_name(engine)};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> sweep_worker_command(int threads, const std::filesystem::path& sweep_file,
                                              const std::filesystem::path& sweep_dir, int64_t seeds,
                                              const std::optional<Shard>& shard, const std::string& store,
                                              const std::string& store_name) {
  std::vector<std::string> args = {"sweep", sweep_file.string(), "--dir", sweep_dir.string(), "--quiet", "--worker"};
  if (seeds > 0) args.insert(args.end(), {"--seeds", std::to_string(seeds)});
  if (shard) args.insert(args.end(), {"--shard", shard->label()});
  if (!store.empty()) args.insert(args.end(), {"--store", store});
  if (!store_name.empty()) args.insert(args.end(), {"--store-name", store_name});
  return freelunch_child_command(threads, args);
}

}  // namespace fl
