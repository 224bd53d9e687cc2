// The flat engine's matrix products at the shapes of the experiments' models: OpenBLAS (through
// cpublas) against our blocked kernel, for the three products of a Linear (kernels/gemm.h):
//   fwd  Y = X Wᵀ   (rows, in) · (out, in)ᵀ       blocked: Wᵀ packed once, outside the timing
//   dx   dX = dY W  (rows, out) · (out, in)
//   dw   dW = dYᵀ X (rows, out)ᵀ · (rows, in)
// Run: build/freelunch_bench --benchmark_filter=Gemm [--benchmark_counters_tabular=true]
// Arguments: rows, in, out, threads.
// The rule in gemm.cpp (gemm_prefers_blocked) was set from these figures (docs/PERFORMANCE.md).
#include <benchmark/benchmark.h>

#include <torch/torch.h>

#include "kernels/gemm.h"

namespace {

using fl::kernels::Trans;

enum class Product { kForward, kInput, kWeight };

void BM_Gemm(benchmark::State& state, Product product, bool blocked) {
  const int64_t rows = state.range(0), in = state.range(1), out = state.range(2);
  const int threads_before = at::get_num_threads();
  at::set_num_threads(static_cast<int>(state.range(3)));
  torch::manual_seed(1);
  const auto X = torch::randn({rows, in}), W = torch::randn({out, in}), dY = torch::randn({rows, out});
  const auto Wt = W.t().contiguous();  // (in, out): the packed forward operand
  auto C = torch::empty({std::max(rows, out), std::max(in, out)});
  const float *x = X.data_ptr<float>(), *w = W.data_ptr<float>(), *dy = dY.data_ptr<float>();
  float* c = C.data_ptr<float>();
  for (auto _ : state) {
    switch (product) {
      case Product::kForward:
        if (blocked)
          fl::kernels::gemm_blocked(Trans::kNo, rows, out, in, x, in, Wt.data_ptr<float>(), out, c, out, false);
        else
          fl::kernels::gemm_blas(Trans::kNo, Trans::kTrans, rows, out, in, x, in, w, in, c, out, false);
        break;
      case Product::kInput:
        if (blocked)
          fl::kernels::gemm_blocked(Trans::kNo, rows, in, out, dy, out, w, in, c, in, false);
        else
          fl::kernels::gemm_blas(Trans::kNo, Trans::kNo, rows, in, out, dy, out, w, in, c, in, false);
        break;
      case Product::kWeight:
        if (blocked)
          fl::kernels::gemm_blocked(Trans::kTrans, out, in, rows, dy, out, x, in, c, in, false);
        else
          fl::kernels::gemm_blas(Trans::kTrans, Trans::kNo, out, in, rows, dy, out, x, in, c, in, false);
        break;
    }
    benchmark::ClobberMemory();
  }
  at::set_num_threads(threads_before);
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * rows * in * out, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

// (rows, in, out) of every Linear in the quick suite's models (1,008 rows, one thread) and config
// A's (4,064 rows, one and two threads).
void Shapes(benchmark::internal::Benchmark* b) {
  for (const auto& [rows, threads] : std::vector<std::pair<int64_t, int64_t>>{{1008, 1}, {4064, 1}, {4064, 2}}) {
    for (const auto& [in, out] : std::vector<std::pair<int64_t, int64_t>>{
             {32, 128}, {64, 18}, {2, 64}, {64, 32}, {32, 12},                  // Mamba d32, N 8; head
             {64, 192}, {64, 64}, {64, 256}, {256, 64},                         // Transformer d64
             {128, 512}, {256, 40}, {8, 256}, {256, 128},                       // Mamba d128, N 16
             {128, 384}, {128, 128}, {512, 128}, {128, 16}})                    // Transformer d128; head
      b->Args({rows, in, out, threads});
  }
}

BENCHMARK_CAPTURE(BM_Gemm, fwd_blas, Product::kForward, false)->Apply(Shapes);
BENCHMARK_CAPTURE(BM_Gemm, fwd_blocked, Product::kForward, true)->Apply(Shapes);
BENCHMARK_CAPTURE(BM_Gemm, dx_blas, Product::kInput, false)->Apply(Shapes);
BENCHMARK_CAPTURE(BM_Gemm, dx_blocked, Product::kInput, true)->Apply(Shapes);
BENCHMARK_CAPTURE(BM_Gemm, dw_blas, Product::kWeight, false)->Apply(Shapes);
BENCHMARK_CAPTURE(BM_Gemm, dw_blocked, Product::kWeight, true)->Apply(Shapes);

}  // namespace
