#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>

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

void expect_one_line_error(const ProcessResult& r, const std::string& phrase) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("freelunch: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(phrase), std::string::npos) << r.err;
}

}  // namespace fl::test_support
