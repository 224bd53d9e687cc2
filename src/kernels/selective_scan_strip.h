// Internals of the fused selective scan (kernels/selective_scan.h), shared by its forward and
// backward (selective_scan.cpp): the strip layout (a work unit is kStrip channels of one batch
// row, kLanes channels per SIMD lane block), the strided row views, the per-step loads with
// prefetch, and one recurrence step of a strip. The layout is described in selective_scan.cpp.
#pragma once
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>

#include "kernels/vector_math.h"

namespace fl::kernels::scan_detail {

constexpr int64_t kChunk = 64;                // time steps between saved states
// Channels per lane block, one per SIMD lane: 16 (a 512-bit vector of floats) where the build
// has AVX-512, else 8. selective_scan.cpp asks GCC for 512-bit vectors in that case.
#if defined(__AVX512F__)
constexpr int kLanes = 16;
#else
constexpr int kLanes = 8;
#endif
constexpr int64_t kStrip = 32;                // channels per work unit (and per dB/dC partial)
constexpr int64_t kBlocks = kStrip / kLanes;  // lane blocks per strip
// The (B, L, Di) rows a strip reads at successive steps are Di elements apart, beyond the hardware
// prefetcher's reach once they cross a page: they are prefetched this many steps ahead.
constexpr int64_t kPrefetchSteps = 4;

template <typename T>
using Lanes = SimdVector<T, kLanes>;

// Asks for the strip segment of a row starting at p to be brought into cache.
template <bool kForWrite = false, typename T>
inline void prefetch_strip(const T* p) {
  for (int64_t k = 0; k < kStrip; k += 64 / sizeof(T)) __builtin_prefetch(p + k, kForWrite);
}

// A (B, L, X) tensor read row by row: row (b, t) is contiguous and starts at `at(b, t)`.
template <typename T>
struct Rows {
  const T* data = nullptr;  // null when the tensor is absent
  int64_t batch_stride = 0, time_stride = 0;
  const T* at(int64_t b, int64_t t) const { return data + b * batch_stride + t * time_stride; }
};

// The same for a buffer written row by row.
template <typename T>
struct MutableRows {
  T* data = nullptr;  // null when the output is not wanted
  int64_t batch_stride = 0, time_stride = 0;
  T* at(int64_t b, int64_t t) const { return data + b * batch_stride + t * time_stride; }
};

template <typename T>
Rows<T> rows(const torch::Tensor& x) {
  return x.defined() ? Rows<T>{x.data_ptr<T>(), x.stride(0), x.stride(1)} : Rows<T>{};
}

template <typename T>
struct ScanInputs {
  Rows<T> u, delta, z;  // (B, L, Di); z absent without gate
  Rows<T> Bm, Cm;       // (B, L, N)
  const T* A;           // (Di, N)
  const T* D;           // (Di)
  const T* delta_bias;  // (Di) or null
  bool delta_softplus;
  int64_t B, L, Di, N;
  int64_t n_chunks() const { return (L + kChunk - 1) / kChunk; }
  int64_t n_strips() const { return (Di + kStrip - 1) / kStrip; }
};

// dst[j] = src[j] for j < width, 0 for width ≤ j < kStrip (padding channels). The full case is a
// fixed-length loop, a few vector moves (a memcpy of that size would be a library call).
template <typename T>
inline void load_padded(const T* src, int64_t width, T* dst) {
  if (width == kStrip) {
#pragma omp simd
    for (int64_t j = 0; j < kStrip; ++j) dst[j] = src[j];
    return;
  }
  for (int64_t j = 0; j < kStrip; ++j) dst[j] = j < width ? src[j] : T(0);
}
// dst[j] = src[j] for j < width.
template <typename T>
inline void store_clipped(const T* src, int64_t width, T* dst) {
  if (width == kStrip) {
#pragma omp simd
    for (int64_t j = 0; j < kStrip; ++j) dst[j] = src[j];
    return;
  }
  for (int64_t j = 0; j < width; ++j) dst[j] = src[j];
}

// Channels d0 .. d0 + width - 1 (width ≤ kStrip) and their parameters. Padding channels (in the
// last strip when kStrip does not divide Di) are scanned too, with zero parameters and inputs,
// which keeps their state at 0 (δu = 0) and their terms out of dB and dC.
template <typename T>
struct Strip {
  explicit Strip(int64_t N) : A(N * kStrip) {}
  void load(const ScanInputs<T>& in, int64_t first_channel) {
    d0 = first_channel;
    width = std::min(kStrip, in.Di - d0);
    for (int64_t n = 0; n < in.N; ++n)
      for (int64_t c = 0; c < kStrip; ++c)
        A[n * kStrip + c] = c < width ? in.A[(d0 + c) * in.N + n] : T(0);
    load_padded(in.D + d0, width, D);
    if (in.delta_bias)
      load_padded(in.delta_bias + d0, width, bias);
    else
      std::fill(bias, bias + kStrip, T(0));
  }
  int64_t d0 = 0, width = 0;
  std::vector<T> A;                       // (N, kStrip)   A transposed
  alignas(64) T D[kStrip], bias[kStrip];  // (kStrip)
};

// Copies between a strip's (N, kStrip) tile and its columns of an (N, Di) matrix.
template <typename T>
void load_tile(const T* src, const Strip<T>& strip, int64_t N, int64_t Di, T* tile) {
  for (int64_t n = 0; n < N; ++n)
    load_padded(src + n * Di + strip.d0, strip.width, tile + n * kStrip);
}
template <typename T>
void store_tile(const T* tile, const Strip<T>& strip, int64_t N, int64_t Di, T* dst) {
  for (int64_t n = 0; n < N; ++n)
    store_clipped(tile + n * kStrip, strip.width, dst + n * Di + strip.d0);
}

// One time step's per-channel inputs for a strip.
template <typename T>
struct StepLanes {
  alignas(64) T u[kStrip];
  alignas(64) T x[kStrip];    // delta + bias
  alignas(64) T dt[kStrip];   // δ = softplus(x), or x
  alignas(64) T dtu[kStrip];  // δ u
  alignas(64) T ddt[kStrip];  // dδ/dx = softplus'(x) (backward with softplus only)
};

// Reads step t of the strip, and prefetches step t + kPrefetchSteps. The backward also wants
// softplus'(x), computed alongside softplus(x) at the price of one division.
template <bool kBackward, typename T>
inline void load_step(const ScanInputs<T>& in, const Strip<T>& strip, int64_t b, int64_t t,
                      StepLanes<T>& s) {
  if (t + kPrefetchSteps < in.L) {
    prefetch_strip(in.u.at(b, t + kPrefetchSteps) + strip.d0);
    prefetch_strip(in.delta.at(b, t + kPrefetchSteps) + strip.d0);
    if (in.z.data) prefetch_strip(in.z.at(b, t + kPrefetchSteps) + strip.d0);
  }
  load_padded(in.u.at(b, t) + strip.d0, strip.width, s.u);
  load_padded(in.delta.at(b, t) + strip.d0, strip.width, s.x);
#pragma omp simd
  for (int64_t j = 0; j < kStrip; ++j) s.x[j] += strip.bias[j];
  if (in.delta_softplus) {
#pragma omp simd
    for (int64_t j = 0; j < kStrip; ++j) {
      s.dt[j] = vsoftplus(s.x[j]);
      if constexpr (kBackward) s.ddt[j] = vsoftplus_derivative(s.x[j]);
    }
  } else {
    std::copy(s.x, s.x + kStrip, s.dt);
  }
#pragma omp simd
  for (int64_t j = 0; j < kStrip; ++j) s.dtu[j] = s.dt[j] * s.u[j];
}

// One step of a strip: a = exp(δ A), h = a ⊙ h_prev + δu B_t (tiles (N, kStrip)) and the readout
// y = Σ_n h[n] C_t[n] (kStrip). Keeps a only when kKeepDecay. h may alias h_prev.
template <bool kKeepDecay, typename T>
inline void scan_step(const Strip<T>& strip, const StepLanes<T>& s, const T* B_t, const T* C_t,
                      const T* h_prev, T* a, T* h, T* y, int64_t N) {
  for (int64_t c = 0; c < kStrip; c += kLanes) {  // lane block by lane block
    alignas(64) T acc[kLanes] = {};
    const T *A_c = &strip.A[c], *dt = s.dt + c, *dtu = s.dtu + c;
    for (int64_t n = 0; n < N; ++n) {
      const T B_n = B_t[n], C_n = C_t[n];
      const int64_t o = n * kStrip + c;
#pragma omp simd
      for (int64_t j = 0; j < kLanes; ++j) {
        const T a_nj = vexp(dt[j] * A_c[n * kStrip + j]);
        if constexpr (kKeepDecay) a[o + j] = a_nj;
        h[o + j] = a_nj * h_prev[o + j] + dtu[j] * B_n;
        acc[j] += h[o + j] * C_n;
      }
    }
    std::copy(acc, acc + kLanes, y + c);
  }
}

}  // namespace fl::kernels::scan_detail
