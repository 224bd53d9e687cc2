// Matrix products of the flat training engine (src/engine/) on raw row-major buffers:
//   C (M, N) = op(A) · op(B), or C += op(A) · op(B) when accumulate,
//   op(A) (M, K): A itself (kNo, row r at A + r·lda) or the transpose of a (K, M) A (kTrans);
//   op(B) (K, N): likewise with ldb; C rows ldc apart.
// The engine's three shapes for a Linear y = x Wᵀ (W (out, in) as torch stores it):
//   forward  Y = X Wᵀ        gemm(kNo, kTrans, rows, out, in, X, W)
//   input    dX = dY W       gemm(kNo, kNo, rows, in, out, dY, W)
//   weight   dW = dYᵀ X      gemm(kTrans, kNo, out, in, rows, dY, X)
//
// Two implementations of the same product:
//   gemm_blas     OpenBLAS (the BLAS libtorch is linked with), through its CBLAS interface
//                 (a call costs a few µs of set-up and packs both operands every time).
//   gemm_blocked  our own register-blocked kernel: R = 6 rows × 2 SIMD vectors of C per register
//                 tile (attention's micro-kernel, kernels/attention_tiles.h), K in blocks of 256,
//                 work units of 48 rows × 64 columns over at::parallel_for. B must be (K, N) with
//                 contiguous rows; a transposed B is packed into that layout first — once per
//                 optimizer step for a weight (pack_transposed), not once per call. Columns past
//                 the last whole vector go through a zero-padded copy of B and a scratch tile.
// gemm() picks one per shape by a fixed rule measured on this project's shapes (gemm.cpp and
// docs/PERFORMANCE.md): the choice depends on the shape only, never on timing, so a run is
// reproducible.
//
// Determinism: every element of C is one dot product summed over K in a fixed order (K blocks
// in order, lanes per element), whatever the thread count, in both implementations (OpenBLAS
// splits M and N between threads, never K). float and double.
#pragma once
#include <cstdint>

namespace fl::kernels {

enum class Trans { kNo, kTrans };

template <typename T>
void gemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb,
          T* C, int64_t ldc, bool accumulate);

template <typename T>
void gemm_blas(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B,
               int64_t ldb, T* C, int64_t ldc, bool accumulate);

// op(B) must be kNo here: B (K, N) with rows ldb apart, contiguous inside.
template <typename T>
void gemm_blocked(Trans ta, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb,
                  T* C, int64_t ldc, bool accumulate);

// Which implementation gemm() runs for this shape (op(B) = kTrans counts as a packed B).
bool gemm_prefers_blocked(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K);

// dst (K, N) = srcᵀ for src (N, K) row-major: a weight laid out for gemm_blocked's forward.
template <typename T>
void pack_transposed(const T* src, int64_t N, int64_t K, T* dst);

}  // namespace fl::kernels
