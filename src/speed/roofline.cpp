#include "speed/roofline.h"

#include <malloc.h>

#include <chrono>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include <torch/torch.h>

#include "core/statistics.h"
#include "core/timing.h"
#include "kernels/attention.h"
#include "kernels/selective_scan.h"
#include "speed/workers.h"

namespace fl::speed {

namespace {

// Median wall seconds of `repeats` calls of f (after one untimed call).
template <typename F>
double median_seconds(int64_t repeats, F&& f) {
  f();
  std::vector<double> s;
  for (int64_t r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    s.push_back(seconds_since(t0));
  }
  return median(s);
}

// 2·8·kChains·iterations flops of one thread.
constexpr int kChains = 10;
float fma_chains(int64_t iterations) {
#if defined(__AVX2__) && defined(__FMA__)
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(0.001f * static_cast<float>(c));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  float out[8], sum = 0;
  for (int c = 0; c < kChains; ++c) {
    _mm256_storeu_ps(out, acc[c]);
    for (float x : out) sum += x;
  }
  return sum;
#else
  float acc[kChains][8];
  for (int c = 0; c < kChains; ++c)
    for (int l = 0; l < 8; ++l) acc[c][l] = 0.001f * static_cast<float>(c);
  for (int64_t i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c)
#pragma omp simd
      for (int l = 0; l < 8; ++l) acc[c][l] = acc[c][l] * 0.999999f + 1e-7f;
  float sum = 0;
  for (auto& chain : acc)
    for (float x : chain) sum += x;
  return sum;
#endif
}

}  // namespace

double fma_peak_gflops() {
  const int64_t threads = at::get_num_threads(), iterations = 20'000'000;
  std::vector<float> sink(threads);
  const double s = median_seconds(3, [&] {
    at::parallel_for(0, threads, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) sink[i] = fma_chains(iterations);
    });
  });
  return 2.0 * 8 * kChains * static_cast<double>(iterations) * static_cast<double>(threads) / s * 1e-9;
}

double gemm_gflops(int64_t n, int64_t repeats) {
  const auto a = torch::randn({n, n}), b = torch::randn({n, n});
  const double s = median_seconds(repeats, [&] { torch::mm(a, b); });
  return 2.0 * static_cast<double>(n * n * n) / s * 1e-9;
}

double scan_forward_gflops(int64_t B, int64_t L, int64_t Di, int64_t N, int64_t repeats) {
  torch::NoGradGuard no_grad;
  const auto u = torch::randn({B, L, Di}), delta = torch::softplus(torch::randn({B, L, Di}));
  const auto A = -torch::exp(torch::randn({Di, N})), Bm = torch::randn({B, L, N}), Cm = torch::randn({B, L, N});
  const auto D = torch::randn({Di});
  const double s = median_seconds(repeats, [&] { kernels::selective_scan_fused(u, delta, A, Bm, Cm, D); });
  return 7.0 * static_cast<double>(B * L * Di * N) / s * 1e-9;
}

double attention_forward_gflops(int64_t B, int64_t L, int64_t H, int64_t hd, int64_t window, int64_t repeats) {
  torch::NoGradGuard no_grad;
  const auto qkv = torch::randn({B, L, 3 * H * hd});
  const kernels::AttentionPositions positions{window, 10000.0, {}, {}};
  const double s = median_seconds(repeats, [&] { kernels::causal_attention_fused(qkv, H, positions); });
  double pairs = 0;  // unmasked (query, key) pairs of one head
  for (int64_t i = 0; i < L; ++i) pairs += static_cast<double>(window > 0 ? std::min(i + 1, window) : i + 1);
  return 4.0 * static_cast<double>(hd) * pairs * static_cast<double>(B * H) / s * 1e-9;
}

double scan_saved_bytes_per_token(int64_t L, int64_t Di, int64_t N, bool fused) {
  auto opts = torch::TensorOptions().requires_grad(true);
  const auto u = torch::randn({1, L, Di}, opts), delta = torch::softplus(torch::randn({1, L, Di})).requires_grad_();
  const auto A = (-torch::exp(torch::randn({Di, N}))).requires_grad_();
  const auto Bm = torch::randn({1, L, N}, opts), Cm = torch::randn({1, L, N}, opts), D = torch::randn({Di}, opts);
  const auto heap = [] {
    const auto m = mallinfo2();
    return static_cast<double>(m.uordblks + m.hblkhd);
  };
  const double before = heap();
  const auto y = fused ? kernels::selective_scan_fused(u, delta, A, Bm, Cm, D)
                       : kernels::selective_scan_reference(u, delta, A, Bm, Cm, D);
  const double held = heap() - before - static_cast<double>(y.numel() * y.element_size());
  return held / static_cast<double>(L);
}

}  // namespace fl::speed
