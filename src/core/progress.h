// Progress of long work: a live bar with a status text and ETA on a terminal (stderr), plain
// periodic lines otherwise (logs, CI). Torch-free.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace fl {

class Progress {
 public:
  Progress(std::string label, int64_t total, bool enabled = true);
  ~Progress();
  // Marks `done` units complete; `status` is shown next to the bar (e.g. "loss 0.12").
  void update(int64_t done, const std::string& status = "");
  void finish(const std::string& status = "");  // the whole total done
  void stop(const std::string& status);         // ended early, at the last update (e.g. "interrupted")
  double elapsed_seconds() const;

 private:
  void draw(bool final);
  std::string label_, status_;
  int64_t total_, done_ = 0;
  bool enabled_, tty_, finished_ = false, stopped_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

std::string format_duration(double seconds);  // "1m05s"

}  // namespace fl
