#include "train/fault_injection.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace fl::fault {

namespace {

struct Fault {
  std::string kind;  // "" = none
  int64_t step = -1;
};

Fault parse(const char* text) {
  if (text == nullptr || *text == '\0') return {};
  const std::string spec = text;
  const auto at = spec.find('@');
  const std::string kind = spec.substr(0, at);
  const std::string digits = at == std::string::npos ? "" : spec.substr(at + 1);
  const bool known = kind == "nan-loss" || kind == "kill-before-latest" || kind == "kill" || kind == "hang";
  const bool number = !digits.empty() && digits.size() <= 12 && digits.find_first_not_of("0123456789") == std::string::npos;
  require(known && number, "FREELUNCH_FAULT = '" + spec +
                               "': expected nan-loss@STEP, kill-before-latest@STEP, kill@STEP or hang@STEP (a test-only fault hook; "
                               "unset it to train normally)");
  return {kind, std::stoll(digits)};
}

const Fault& requested() {
  static const Fault fault = parse(std::getenv("FREELUNCH_FAULT"));
  return fault;
}

}  // namespace

void check_environment() { requested(); }

bool nan_loss_at(int64_t step) { return requested().kind == "nan-loss" && requested().step == step; }

void kill_before_latest(int64_t step) {
  if (requested().kind == "kill-before-latest" && requested().step == step) ::raise(SIGKILL);
}

void kill_or_hang_at(int64_t step) {
  if (requested().step != step) return;
  if (requested().kind == "kill") ::raise(SIGKILL);
  if (requested().kind == "hang")
    for (;;) ::pause();  // only a signal that kills it ends this
}

}  // namespace fl::fault
