#include "core/provenance.h"

#include <ctime>

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

Provenance Provenance::now(const std::filesystem::path& repo_dir, int64_t threads) {
  return {git_commit_of(repo_dir), utc_now(), threads};
}

Json Provenance::to_json() const { return Json{{"commit", commit}, {"date", date}, {"threads", threads}}; }

Provenance Provenance::from_json(const Json& json) {
  require(json.is_object(), "provenance: expected a JSON object");
  try {
    return {json.value("commit", ""), json.value("date", ""), json.value("threads", int64_t{0})};
  } catch (const Json::exception& e) {
    throw Error("provenance: " + std::string(e.what()));
  }
}

}  // namespace fl
