// The command line of a freelunch child process — a sweep worker, a speed worker — that runs with
// this process's kernel mode and training engine: the one place it is built.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine_mode.h"
#include "experiments/sweep_shard.h"

namespace fl {

// `<this binary> --threads T --kernels <now> --engine <engine> <args…>`.
std::vector<std::string> freelunch_child_command(int threads, const std::vector<std::string>& args,
                                                 engine::Mode engine = engine::mode());

// One worker of `freelunch sweep FILE --dir DIR [--seeds S] [--shard I/N] [--store URL
// [--store-name NAME]] --workers N` (paths as given: pass them absolute; seeds 0 = the file's own
// seeds; no shard = the whole sweep; store "" = the directory's SQLite store, store_name "" = the
// file's sweep name).
std::vector<std::string> sweep_worker_command(int threads, const std::filesystem::path& sweep_file,
                                              const std::filesystem::path& sweep_dir, int64_t seeds = 0,
                                              const std::optional<Shard>& shard = std::nullopt,
                                              const std::string& store = "", const std::string& store_name = "");

}  // namespace fl
