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

// provenance.json: {"commit": "7186b65c1a2b", "date": "2026-11-29 13:05:12 UTC", "threads": 2}.
struct Provenance {
  std::string commit;  // "" = unknown
  std::string date;    // "" = unknown
  int64_t threads = 0;

  static Provenance now(const std::filesystem::path& repo_dir, int64_t threads);
  Json to_json() const;
  // Missing keys stay unknown; a key of the wrong type throws fl::Error naming it.
  static Provenance from_json(const Json& json);
};

}  // namespace fl
