#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

#include "core/timing.h"

namespace fl {

std::string format_duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
  else std::snprintf(buf, sizeof buf, "%llds", (long long)s);
  return buf;
}

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() {
  if (!finished_ && enabled_ && tty_ && done_ > 0) std::fputc('\n', stderr);
}

double Progress::elapsed_seconds() const {
  return seconds_since(start_);
}

void Progress::update(int64_t done, const std::string& status) {
  done_ = done;
  status_ = status;
  const auto now = std::chrono::steady_clock::now();
  // Terminals redraw ~10×/s; logs get a line every 10 s.
  const double gap = std::chrono::duration<double>(now - last_draw_).count();
  if (gap >= (tty_ ? 0.1 : 10.0)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish(const std::string& status) {
  done_ = total_;
  if (!status.empty()) status_ = status;
  draw(true);
  finished_ = true;
}

void Progress::stop(const std::string& status) {
  status_ = status;
  stopped_ = true;
  draw(true);
  finished_ = true;
}

void Progress::draw(bool final) {
  if (!enabled_) return;
  const double elapsed = elapsed_seconds();
  const double frac = total_ > 0 ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  const std::string eta = final ? (stopped_ ? "after " : "done in ") + format_duration(elapsed)
                                : (done_ > 0 ? "ETA " + format_duration(elapsed * (1.0 - frac) / frac) : "ETA ?");
  if (tty_) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(frac * kWidth);
    std::string bar(filled, '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r%s [%s] %lld/%lld %s  %s\033[K%s", label_.c_str(), bar.c_str(), (long long)done_,
                 (long long)total_, status_.c_str(), eta.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s %lld/%lld %s  %s\n", label_.c_str(), (long long)done_, (long long)total_,
                 status_.c_str(), eta.c_str());
  }
  std::fflush(stderr);
}

}  // namespace fl
