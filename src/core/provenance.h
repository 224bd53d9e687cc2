// Where and when a result was computed: the commit of the checkout, the UTC date and the thread
// count, stored beside published results (e.g. a reproduce directory's provenance.json). Torch-free.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/config.h"

namespace fl {

// "2026-11-29 13:05:12 UTC"
std::string utc_now();
// `git rev-parse --short=12 HEAD` in repo_dir, with "-dirty" when tracked files differ from HEAD;
// "" when git is missing or repo_dir is not a checkout.
std::string git_commit_of(const std::filesystem::path& repo_dir);

// This machine in one line, from /proc/cpuinfo, /proc/meminfo and /etc/os-release:
// "Intel(R) Xeon(R) … @ 2.10GHz, 2 cores, 24 GiB, Debian GNU/Linux 12 (bookworm)"; parts that
// cannot be read are left out ("" when none can).
std::string machine_description();

// provenance.json: {"commit": "7186b65c1a2b", "date": "2026-11-29 13:05:12 UTC", "threads": 2,
// "machine": "…"}.
struct Provenance {
  std::string commit;   // "" = unknown
  std::string date;     // "" = unknown
  int64_t threads = 0;
  std::string machine;  // machine_description(); "" = unknown (results stored before it was recorded)

  static Provenance now(const std::filesystem::path& repo_dir, int64_t threads);
  Json to_json() const;
  // Missing keys stay unknown; a key of the wrong type throws fl::Error naming it.
  static Provenance from_json(const Json& json);
};

}  // namespace fl
