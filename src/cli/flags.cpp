#include "cli/flags.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdio>

#include "core/rng.h"

namespace fl::cli {

CLI::Option* add_seed_option(CLI::App* cmd, int64_t& seed, const std::string& doc) {
  return cmd->add_option("--seed", seed, doc)->check(CLI::Range(int64_t{0}, kMaxSeed))->capture_default_str();
}

CLI::Option* add_seed_option(CLI::App* cmd, uint64_t& seed, const std::string& doc) {
  return cmd
      ->add_option_function<int64_t>(
          "--seed", [&seed](const int64_t& value) { seed = static_cast<uint64_t>(value); }, doc)
      ->check(CLI::Range(int64_t{0}, kMaxSeed))
      ->default_str(std::to_string(seed));
}

int threads_per_worker(int workers) {
  const int threads = at::get_num_threads();
  if (workers > threads)
    std::fprintf(stderr,
                 "freelunch: note: %d workers but %d thread%s (--threads): each worker runs one thread, %d in all\n",
                 workers, threads, threads == 1 ? "" : "s", workers);
  return std::max(1, threads / workers);
}

}  // namespace fl::cli
