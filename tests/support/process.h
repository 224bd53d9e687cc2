// Runs a command through the shell and captures its exit code, stdout and stderr.
#pragma once
#include <string>

namespace fl::test_support {

struct ProcessResult {
  int exit_code;
  std::string out, err;
};

ProcessResult run_command(const std::string& command);

// Quotes a string for /bin/sh.
std::string shell_quote(const std::string& s);

}  // namespace fl::test_support
