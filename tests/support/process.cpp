#include "support/process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/fixtures.h"

namespace fl::test_support {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

ProcessResult run_command(const std::string& command) {
  TempDir dir;
  const auto out_path = dir / "out", err_path = dir / "err";
  const int status = std::system((command + " >" + shell_quote(out_path.string()) + " 2>" +
                                  shell_quote(err_path.string()) + " </dev/null").c_str());
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out_path), slurp(err_path)};
}

}  // namespace fl::test_support
