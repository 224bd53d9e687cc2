// Runs a command through the shell and captures its exit code, stdout and stderr; checks what a
// command reports on bad input.
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

// The command failed as bad input should: exit code 2 and exactly one stderr line
// "freelunch: error: …" that holds `phrase`.
void expect_one_line_error(const ProcessResult& r, const std::string& phrase);

}  // namespace fl::test_support
