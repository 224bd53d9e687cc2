// Kernel figures for `freelunch speed`, measured in-process: the machine's FMA peak and BLAS GEMM
// rate as yardsticks, the achieved rate of the selective-scan and attention forward kernels, and
// the memory the scan holds for its backward per token.
#pragma once
#include <cstdint>

namespace fl::speed {

// Peak float FMA throughput on all libtorch threads: independent 8-wide FMA chains (AVX2), 2 flops each.
double fma_peak_gflops();
// float GEMM (torch::mm, the BLAS) of two n×n matrices.
double gemm_gflops(int64_t n, int64_t repeats);

// Selective-scan forward (fused kernel, no grad): 7 flops per (b, t, d, n), the exp counted as one.
double scan_forward_gflops(int64_t B, int64_t L, int64_t Di, int64_t N, int64_t repeats);
// Causal attention forward (fused kernel, no grad): 4·hd flops per unmasked (query, key) pair.
double attention_forward_gflops(int64_t B, int64_t L, int64_t H, int64_t hd, int64_t window, int64_t repeats);

// Bytes the selective scan keeps alive for its backward beyond its inputs and output (heap growth
// across the forward, from mallinfo2), per token, batch 1, Di × N channels.
double scan_saved_bytes_per_token(int64_t L, int64_t Di, int64_t N, bool fused);

}  // namespace fl::speed
