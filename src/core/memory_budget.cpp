#include "core/memory_budget.h"

#include <unistd.h>

#include <cstdio>

#include "core/error.h"

namespace fl {

uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return uint64_t{1} << 32;  // unknown: assume 4 GiB
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
}

uint64_t memory_budget_bytes() { return physical_memory_bytes() / 2; }

std::string memory_text(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  for (; bytes >= 1024 && unit < 6; ++unit) bytes /= 1024;
  char text[64];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

void require_within_memory(double bytes, const std::string& what, const std::string& hint) {
  require(bytes <= static_cast<double>(memory_budget_bytes()),
          what + " needs about " + memory_text(bytes) + " of memory, more than half of this machine's " +
              memory_text(static_cast<double>(physical_memory_bytes())) + "; " + hint);
}

}  // namespace fl
