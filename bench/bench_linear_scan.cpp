// kernels::linear_scan (Mamba-2 and linear attention), fused against its plain-libtorch
// reference, forward and forward + backward through autograd, at the copy presets' shapes.
// Run: build/freelunch_bench --benchmark_filter=LinearScan
// Arguments: B, L, H, K (= V), per-channel decay (0: one per head, 1: one per key channel), threads.
#include <benchmark/benchmark.h>

#include <torch/torch.h>

#include "kernels/linear_scan.h"

namespace {

void BM_LinearScan(benchmark::State& state, bool fused, bool backward) {
  const int64_t B = state.range(0), L = state.range(1), H = state.range(2), K = state.range(3);
  const int before = at::get_num_threads();
  at::set_num_threads(static_cast<int>(state.range(5)));
  torch::manual_seed(1);
  const auto q = torch::randn({B, L, H, K}).requires_grad_(backward);
  const auto k = torch::randn({B, L, H, K}).requires_grad_(backward);
  const auto v = torch::randn({B, L, H, K}).requires_grad_(backward);
  const auto g = (-torch::rand({B, L, H, state.range(4) ? K : 1}) * 0.1).requires_grad_(backward);
  const auto dy = torch::randn({B, L, H, K});
  for (auto _ : state) {
    auto y = fused ? fl::kernels::linear_scan_fused(q, k, v, g) : fl::kernels::linear_scan_reference(q, k, v, g);
    if (backward) y.backward(dy);
    benchmark::DoNotOptimize(y.data_ptr<float>());
  }
  state.counters["ns/state entry"] = benchmark::Counter(
      static_cast<double>(B * L * H * K * K), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  at::set_num_threads(before);
}

// configs/copy-mamba2.toml's layer (16 heads of N = P = 16, one decay per head) and
// configs/copy-linear.toml's (4 heads of hd = 32, GLA's per-channel decay); batch 16 × 128; 1 and 2 threads.
void Shapes(benchmark::internal::Benchmark* b) {
  b->Args({16, 128, 16, 16, 0, 1})->Args({16, 128, 16, 16, 0, 2})->Args({16, 128, 4, 32, 1, 1})->Args({16, 128, 4, 32, 1, 2});
}

BENCHMARK_CAPTURE(BM_LinearScan, fused_forward, true, false)->Apply(Shapes)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LinearScan, reference_forward, false, false)->Apply(Shapes)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LinearScan, fused_forward_backward, true, true)->Apply(Shapes)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LinearScan, reference_forward_backward, false, true)->Apply(Shapes)->Unit(benchmark::kMillisecond);

}  // namespace
