#include "cli/flags.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "core/rng.h"
#include "experiments/postgres_url.h"

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

CLI::Option* add_store_option(CLI::App* cmd, std::string& url) {
  return cmd->add_option("--store", url,
                         "a PostgreSQL database shared by workers on many machines, postgresql://USER@HOST:PORT/DB "
                         "(password in a password file: passfile= or PGPASSFILE)");
}

void check_store_url(const std::string& url) {
  require(is_postgres_url(url), "--store '" + redacted_url(url) +
                                    "': expected a postgresql:// or postgres:// URL (a sweep directory is --dir)");
}

}  // namespace fl::cli
