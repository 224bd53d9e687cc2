// Deterministic, platform-independent random numbers: xoshiro256** seeded by splitmix64.
// Each use gets its own stream from (seed, stream id), so data, init and evaluation never
// share draws, and the same seed gives the same numbers on every machine.
#pragma once
#include <cstdint>

namespace fl {

// The largest seed a config (`seed`) or a --seed flag takes: exactly representable as a double,
// so a seed survives JSON and TOML unchanged.
inline constexpr int64_t kMaxSeed = 9'000'000'000'000'000;

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t x = seed * 0x9E3779B97F4A7C15ULL ^ (stream + 0x632BE59BD9B4E019ULL);
    for (auto& s : s_) s = splitmix64(x);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0], s_[3] ^= s_[1], s_[1] ^= s_[2], s_[0] ^= s_[3], s_[2] ^= t, s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform integer in [lo, hi] (inclusive), unbiased (Lemire's multiply-and-reject).
  int64_t uniform_int(int64_t lo, int64_t hi) {
    const uint64_t range = static_cast<uint64_t>(hi - lo) + 1;
    if (range == 0) return static_cast<int64_t>(next());  // the full 64-bit range
    __uint128_t m = static_cast<__uint128_t>(next()) * range;
    if (static_cast<uint64_t>(m) < range) {
      const uint64_t threshold = -range % range;
      while (static_cast<uint64_t>(m) < threshold) m = static_cast<__uint128_t>(next()) * range;
    }
    return lo + static_cast<int64_t>(m >> 64);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

// Stream ids: one per consumer of randomness.
enum RngStream : uint64_t {
  kStreamTrainData = 1,
  kStreamEvalData = 2,
  kStreamInit = 3,
  kStreamShuffle = 4,
  kStreamValidationData = 5,  // the validation split (eval.validation), for choosing hyperparameters
};

}  // namespace fl
