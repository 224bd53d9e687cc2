// File checksums for checkpoint manifests: FNV-1a, 64 bits,
//   h₀ = 0xcbf29ce484222325,  h ← (h ⊕ byte) · 0x100000001b3  for every byte,
// written as 16 lower-case hex digits. Not cryptographic: it detects truncation, bit rot and
// files from another checkpoint, not deliberate tampering.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace fl {

inline std::string fnv1a64_hex(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace fl
