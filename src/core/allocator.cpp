#include "core/allocator.h"

#include <malloc.h>

namespace fl {
namespace {

constexpr int kMmapThreshold = 256 << 20;  // blocks below 256 MiB come from the heap
constexpr int kTrimThreshold = 1 << 30;    // the heap keeps up to 1 GiB of freed memory

}  // namespace

void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

std::string allocator_tunables() {
  return "glibc.malloc.mmap_threshold=" + std::to_string(kMmapThreshold) +
         ":glibc.malloc.trim_threshold=" + std::to_string(kTrimThreshold);
}

}  // namespace fl
