// Flags several subcommands share, declared once so they take the same values everywhere.
#pragma once
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace fl::cli {

// --seed S: 0 … kMaxSeed, as the config key `seed` (an unsigned flag would read -1 as 2^64 − 1).
CLI::Option* add_seed_option(CLI::App* cmd, uint64_t& seed, const std::string& doc);
CLI::Option* add_seed_option(CLI::App* cmd, int64_t& seed, const std::string& doc);

// The threads of each of `workers` worker processes: an equal share of this process's threads,
// at least one. When that adds up to more threads than this process has, a note on stderr says
// so (each worker needs one; the work still runs, oversubscribed).
int threads_per_worker(int workers);

// --store URL: a PostgreSQL database as the sweeps' shared store (docs/SWEEPS.md). The value is
// checked in the callback (check_store_url): a postgresql:// or postgres:// URL.
CLI::Option* add_store_option(CLI::App* cmd, std::string& url);
void check_store_url(const std::string& url);

}  // namespace fl::cli
