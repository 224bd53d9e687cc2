// How much memory one input may make freelunch use: half of this machine's physical memory.
// Values a config or flag allows can still ask for more (a fixed training set of 10^10 examples,
// a KV cache at position 10^9); such requests are estimated up front and refused with one line
// naming the key or flag, instead of growing until the kernel kills the process.
#pragma once
#include <cstdint>
#include <string>

namespace fl {

uint64_t physical_memory_bytes();  // sysconf(_SC_PHYS_PAGES) × page size
uint64_t memory_budget_bytes();    // physical_memory_bytes() / 2

// "1.5 GiB", "3.0 TiB": a byte count for messages.
std::string memory_text(double bytes);

// fl::Error "<what> needs about X of memory, more than half of this machine's Y; <hint>" when
// `bytes` exceeds memory_budget_bytes().
void require_within_memory(double bytes, const std::string& what, const std::string& hint);

}  // namespace fl
