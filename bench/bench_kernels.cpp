// The flat engine's other heavy kernels at the experiments' shapes, forward and backward on raw
// buffers: the selective scan and the causal conv1d + SiLU (Mamba), attention (Transformer).
// Run: build/freelunch_bench --benchmark_filter=Kernel
// Arguments: B, L, Di (or D), N (or heads), threads.
#include <benchmark/benchmark.h>

#include <torch/torch.h>

#include "kernels/attention.h"
#include "kernels/causal_conv.h"
#include "kernels/selective_scan.h"

namespace {

using fl::kernels::scan_detail::MutableRows;
using fl::kernels::scan_detail::Rows;

struct ThreadScope {
  explicit ThreadScope(int64_t n) : before(at::get_num_threads()) { at::set_num_threads(static_cast<int>(n)); }
  ~ThreadScope() { at::set_num_threads(before); }
  int before;
};

void BM_KernelScan(benchmark::State& state, bool backward) {
  const int64_t B = state.range(0), L = state.range(1), Di = state.range(2), N = state.range(3);
  ThreadScope threads(state.range(4));
  torch::manual_seed(1);
  const auto u = torch::randn({B, L, Di}), delta = torch::randn({B, L, Di}) - 2, z = torch::randn({B, L, Di});
  const auto A = -torch::rand({Di, N}) - 0.5, Bm = torch::randn({B, L, N}), Cm = torch::randn({B, L, N});
  const auto D = torch::ones({Di}), bias = torch::zeros({Di});
  auto out = torch::empty({B, L, Di}), dout = torch::randn({B, L, Di});
  auto chunks = torch::empty({fl::kernels::selective_scan_chunk_states(B, L, Di, N)});
  auto du = torch::empty({B, L, Di}), dd = torch::empty({B, L, Di}), dz = torch::empty({B, L, Di});
  auto dB = torch::empty({B, L, N}), dC = torch::empty({B, L, N}), dA = torch::empty({Di, N});
  auto dD = torch::empty({Di}), dbias = torch::empty({Di});
  auto work = torch::empty({fl::kernels::selective_scan_backward_workspace(B, L, Di, N)});
  const auto rows = [](const torch::Tensor& t) { return Rows<float>{t.data_ptr<float>(), t.stride(0), t.stride(1)}; };
  const auto mrows = [](torch::Tensor& t) { return MutableRows<float>{t.data_ptr<float>(), t.stride(0), t.stride(1)}; };
  const fl::kernels::scan_detail::ScanInputs<float> in{
      rows(u), rows(delta), rows(z), rows(Bm), rows(Cm), A.data_ptr<float>(), D.data_ptr<float>(),
      bias.data_ptr<float>(), true, B, L, Di, N};
  const fl::kernels::ScanGradients<float> grads{mrows(du), mrows(dd), mrows(dz), mrows(dB), mrows(dC),
                                                dA.data_ptr<float>(), dD.data_ptr<float>(), dbias.data_ptr<float>()};
  fl::kernels::selective_scan_forward(in, out.data_ptr<float>(), chunks.data_ptr<float>());
  for (auto _ : state) {
    if (backward)
      fl::kernels::selective_scan_backward(in, chunks.data_ptr<float>(), rows(dout), grads, work.data_ptr<float>());
    else
      fl::kernels::selective_scan_forward(in, out.data_ptr<float>(), chunks.data_ptr<float>());
  }
  state.counters["ns/elem"] = benchmark::Counter(static_cast<double>(B * L * Di * N),
                                                 benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_KernelConv(benchmark::State& state, bool backward) {
  const int64_t B = state.range(0), L = state.range(1), Di = state.range(2), K = 4;
  ThreadScope threads(state.range(4));
  torch::manual_seed(1);
  const auto x = torch::randn({B, L, 2 * Di}), w = torch::randn({Di, K}) * 0.5, b = torch::randn({Di});
  auto y = torch::empty({B, L, Di}), dy = torch::randn({B, L, Di}), dx = torch::empty({B, L, 2 * Di});
  auto dw = torch::empty({Di, K}), db = torch::empty({Di});
  auto work = torch::empty({fl::kernels::causal_conv1d_silu_workspace(B, Di, K, true)});
  const fl::kernels::CausalConvArgs<float> args{x.data_ptr<float>(), L * 2 * Di, 2 * Di, w.data_ptr<float>(),
                                                b.data_ptr<float>(), B, L, Di, K};
  for (auto _ : state) {
    if (backward)
      fl::kernels::causal_conv1d_silu_backward(args, dy.data_ptr<float>(), dx.data_ptr<float>(), L * 2 * Di, 2 * Di,
                                               dw.data_ptr<float>(), db.data_ptr<float>(), work.data_ptr<float>());
    else
      fl::kernels::causal_conv1d_silu_forward(args, y.data_ptr<float>(), work.data_ptr<float>());
  }
}

void BM_KernelAttention(benchmark::State& state, bool backward) {
  const int64_t B = state.range(0), L = state.range(1), D = state.range(2), H = state.range(3);
  ThreadScope threads(state.range(4));
  torch::manual_seed(1);
  const auto qkv = torch::randn({B, L, 3 * D});
  auto out = torch::empty({B, L, D}), lse = torch::empty({B, H, L}), dout = torch::randn({B, L, D});
  auto dqkv = torch::empty({B, L, 3 * D});
  const fl::kernels::AttentionArgs<float> args{qkv.data_ptr<float>(), L * 3 * D, 3 * D, B, L, D, H, 0, nullptr, nullptr};
  fl::kernels::causal_attention_forward(args, out.data_ptr<float>(), lse.data_ptr<float>());
  for (auto _ : state) {
    if (backward)
      fl::kernels::causal_attention_backward(args, out.data_ptr<float>(), lse.data_ptr<float>(), dout.data_ptr<float>(),
                                             dqkv.data_ptr<float>());
    else
      fl::kernels::causal_attention_forward(args, out.data_ptr<float>(), lse.data_ptr<float>());
  }
}

// The quick suite (batch 16 × 64, one thread) and config A (32 × 128, two threads).
void MambaShapes(benchmark::internal::Benchmark* b) {
  b->Args({16, 64, 64, 8, 1})->Args({32, 128, 256, 16, 2})->Args({32, 128, 256, 16, 1});
}
void AttentionShapes(benchmark::internal::Benchmark* b) {
  b->Args({16, 64, 64, 4, 1})->Args({32, 128, 128, 4, 2})->Args({32, 128, 128, 4, 1});
}

BENCHMARK_CAPTURE(BM_KernelScan, forward, false)->Apply(MambaShapes)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_KernelScan, backward, true)->Apply(MambaShapes)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_KernelConv, forward, false)->Apply(MambaShapes)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_KernelConv, backward, true)->Apply(MambaShapes)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_KernelAttention, forward, false)->Apply(AttentionShapes)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_KernelAttention, backward, true)->Apply(AttentionShapes)->Unit(benchmark::kMicrosecond);

}  // namespace
