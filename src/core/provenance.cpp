#include "core/provenance.h"

#include <ctime>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "core/subprocess.h"

namespace fl {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string git_commit_of(const std::filesystem::path& repo_dir) {
  try {
    const auto head = run_child({"git", "-C", repo_dir.string(), "rev-parse", "--short=12", "HEAD"});
    if (head.exit_code != 0) return "";
    const std::string commit = head.out.substr(0, head.out.find('\n'));
    const auto status = run_child({"git", "-C", repo_dir.string(), "status", "--porcelain", "--untracked-files=no"});
    return commit + (status.exit_code == 0 && !status.out.empty() ? "-dirty" : "");
  } catch (const Error&) {  // git is not installed
    return "";
  }
}

namespace {

// The value of the first line of `path` starting with `key` (after its separator, trimmed, quotes
// removed); "" when the file or the key is missing.
std::string first_value(const std::filesystem::path& path, const std::string& key, char separator) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, key.size(), key) != 0) continue;
    const size_t at = line.find(separator);
    if (at == std::string::npos) continue;
    std::string value = line.substr(at + 1);
    const size_t begin = value.find_first_not_of(" \t\""), end = value.find_last_not_of(" \t\"");
    return begin == std::string::npos ? "" : value.substr(begin, end - begin + 1);
  }
  return "";
}

}  // namespace

std::string machine_description() {
  std::string out;
  const auto add = [&](const std::string& part) {
    if (!part.empty()) out += (out.empty() ? "" : ", ") + part;
  };
  add(first_value("/proc/cpuinfo", "model name", ':'));
  if (const unsigned cores = std::thread::hardware_concurrency(); cores > 0)
    add(std::to_string(cores) + (cores == 1 ? " core" : " cores"));
  if (const std::string kib = first_value("/proc/meminfo", "MemTotal", ':'); !kib.empty()) {
    const double gib = std::strtod(kib.c_str(), nullptr) / (1024.0 * 1024.0);
    if (gib > 0) add(std::to_string(static_cast<int64_t>(gib + 0.5)) + " GiB");
  }
  add(first_value("/etc/os-release", "PRETTY_NAME", '='));
  return out;
}

Provenance Provenance::now(const std::filesystem::path& repo_dir, int64_t threads) {
  return {git_commit_of(repo_dir), utc_now(), threads, machine_description()};
}

Json Provenance::to_json() const {
  return Json{{"commit", commit}, {"date", date}, {"threads", threads}, {"machine", machine}};
}

Provenance Provenance::from_json(const Json& json) {
  require(json.is_object(), "provenance: expected a JSON object");
  try {
    return {json.value("commit", ""), json.value("date", ""), json.value("threads", int64_t{0}),
            json.value("machine", "")};
  } catch (const Json::exception& e) {
    throw Error("provenance: " + std::string(e.what()));
  }
}

}  // namespace fl
