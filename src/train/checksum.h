// Checksums for checkpoint manifests and for comparing data-parallel replicas: FNV-1a, 64 bits,
//   h₀ = 0xcbf29ce484222325,  h ← (h ⊕ byte) · 0x100000001b3  for every byte,
// written in manifests as 16 lower-case hex digits. Not cryptographic: it detects truncation,
// bit rot and files from another checkpoint, not deliberate tampering.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace fl {

constexpr uint64_t kFnv1a64Start = 0xcbf29ce484222325ULL;

// Continues the hash `h` over `bytes` (pieces hashed one after another hash as their concatenation).
inline uint64_t fnv1a64(std::string_view bytes, uint64_t h = kFnv1a64Start) {
  for (const unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

inline std::string fnv1a64_hex(std::string_view bytes) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(fnv1a64(bytes)));
  return out;
}

}  // namespace fl
