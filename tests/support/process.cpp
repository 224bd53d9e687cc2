#include "support/process.h"

#include "core/subprocess.h"

namespace fl::test_support {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

ProcessResult run_command(const std::string& command) {
  const auto r = run_child({"/bin/sh", "-c", command});
  return {r.exit_code, r.out, r.err};
}

}  // namespace fl::test_support
