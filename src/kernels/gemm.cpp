// The engine's matrix products (kernels/gemm.h): OpenBLAS through cpublas, our blocked kernel on
// attention's register tiles, and the per-shape choice between them.
#include "kernels/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <vector>

#include "kernels/attention_tiles.h"
#include "kernels/parallel.h"

namespace fl::kernels {
namespace {

using attention_detail::accumulate_block;
using attention_detail::dot_block;
using attention_detail::kRows;

constexpr int64_t kBlockRows = 8 * kRows;  // rows of C per work unit
constexpr int64_t kBlockDepth = 256;       // K per pass over a work unit

CBLAS_TRANSPOSE blas_trans(Trans t) { return t == Trans::kNo ? CblasNoTrans : CblasTrans; }

void cblas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
}
void cblas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t M, int64_t N, int64_t K, const double* A,
                int64_t lda, const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, 1.0, A, lda, B, ldb, beta, C, ldc);
}

// A (M, K) read through its strides: element (m, k) at A[m·ars + k·acs].
template <typename T>
struct StridedA {
  const T* data;
  int64_t ars, acs;
  const T* at(int64_t m, int64_t k) const { return data + m * ars + k * acs; }
};

// C[m0 … m0+rows, n0 … n0+cols) += A[m0…, k0 … k0+depth) · B[k0…, n0…) for one work unit,
// rows ≤ kBlockRows; the B panel has whole vectors of columns (cols ≤ width, padded with
// zeros up to `width` when it is a padded copy); C columns past `cols` are not touched. With
// `overwrite` (A's rows contiguous), C = … instead, without reading C.
template <class Ops>
void unit_product(const StridedA<typename Ops::Scalar>& A, const typename Ops::Scalar* B, int64_t ldb, int64_t k0,
                  int64_t depth, int64_t m0, int64_t rows, int64_t n0, int64_t cols, int64_t width,
                  typename Ops::Scalar* C, int64_t ldc, bool overwrite) {
  using T = typename Ops::Scalar;
  constexpr int64_t W = Ops::W;
  alignas(64) T tile[kRows * 2 * W];  // a register tile's worth of C, for the ragged last columns
  for (int64_t n = 0; n < width; n += 2 * W) {
    const int64_t nc = std::min<int64_t>(2 * W, width - n), valid = std::min<int64_t>(nc, cols - n);
    for (int64_t r = 0; r < rows; r += kRows) {
      const int64_t nr = std::min<int64_t>(kRows, rows - r);
      T* c = C + (m0 + r) * ldc + n0 + n;
      const T* a = A.at(m0 + r, k0);
      const T* b = B + k0 * ldb + n0 + n;
      const bool ragged = valid < nc;
      T* target = ragged ? tile : c;
      const int64_t ld_target = ragged ? 2 * W : ldc;
      if (ragged && !overwrite)
        for (int64_t i = 0; i < nr; ++i)
          for (int64_t j = 0; j < nc; ++j) tile[i * 2 * W + j] = j < valid ? c[i * ldc + j] : T(0);
      attention_detail::with_rows(nr, [&](auto rows_constant) {
        constexpr int R = decltype(rows_constant)::value;
        if (overwrite && nc == 2 * W)
          dot_block<Ops, R, 2>(a, A.ars, b, ldb, depth, target, ld_target);
        else if (overwrite)
          dot_block<Ops, R, 1>(a, A.ars, b, ldb, depth, target, ld_target);
        else if (nc == 2 * W)
          accumulate_block<Ops, R, 2>(a, A.ars, A.acs, b, ldb, depth, target, ld_target);
        else
          accumulate_block<Ops, R, 1>(a, A.ars, A.acs, b, ldb, depth, target, ld_target);
      });
      if (ragged)
        for (int64_t i = 0; i < nr; ++i)
          for (int64_t j = 0; j < valid; ++j) c[i * ldc + j] = tile[i * 2 * W + j];
    }
  }
}

template <class Ops>
void blocked_product(const StridedA<typename Ops::Scalar>& A, int64_t M, int64_t N, int64_t K,
                     const typename Ops::Scalar* B, int64_t ldb, typename Ops::Scalar* C, int64_t ldc,
                     bool accumulate) {
  using T = typename Ops::Scalar;
  constexpr int64_t W = Ops::W;
  // Columns in whole vectors; when N is not a multiple of W, B goes through a padded copy.
  const int64_t width = (N + W - 1) / W * W;
  std::vector<T> padded;
  if (width != N) {
    padded.assign(K * width, T(0));
    for (int64_t k = 0; k < K; ++k) std::copy(B + k * ldb, B + k * ldb + N, padded.data() + k * width);
    B = padded.data(), ldb = width;
  }
  const int64_t block_cols = 4 * W * (width >= 8 * W ? 2 : 1);
  const int64_t row_blocks = (M + kBlockRows - 1) / kBlockRows, col_blocks = (width + block_cols - 1) / block_cols;
  at::parallel_for(0, row_blocks * col_blocks, grain(kBlockRows * block_cols * K),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t unit = begin; unit < end; ++unit) {
                       const int64_t m0 = unit / col_blocks * kBlockRows, n0 = unit % col_blocks * block_cols;
                       const int64_t rows = std::min(kBlockRows, M - m0);
                       const int64_t unit_width = std::min(block_cols, width - n0);
                       const int64_t cols = std::min(unit_width, N - n0);
                       // The first block of K writes C when A's rows are contiguous (dot_block);
                       // otherwise C starts from zero.
                       const bool overwrite = !accumulate && A.acs == 1;
                       if (!accumulate && (!overwrite || K == 0))
                         for (int64_t r = 0; r < rows; ++r) std::fill_n(C + (m0 + r) * ldc + n0, cols, T(0));
                       for (int64_t k0 = 0; k0 < K; k0 += kBlockDepth)
                         unit_product<Ops>(A, B, ldb, k0, std::min(kBlockDepth, K - k0), m0, rows, n0, cols,
                                           unit_width, C, ldc, overwrite && k0 == 0);
                     }
                   });
}

}  // namespace

template <typename T>
void gemm_blas(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb,
               T* C, int64_t ldc, bool accumulate) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // BLAS leaves C alone; the product is zero
    if (!accumulate)
      for (int64_t m = 0; m < M; ++m) std::fill_n(C + m * ldc, N, T(0));
    return;
  }
  cblas_gemm(blas_trans(ta), blas_trans(tb), M, N, K, A, lda, B, ldb, T(accumulate ? 1 : 0), C, ldc);
}

template <typename T>
void gemm_blocked(Trans ta, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
                  int64_t ldc, bool accumulate) {
  if (M == 0 || N == 0) return;
  const StridedA<T> a = ta == Trans::kNo ? StridedA<T>{A, lda, 1} : StridedA<T>{A, 1, lda};
  attention_detail::with_ops<T>(AttentionSimd::kWidest,
                                [&](auto ops) { blocked_product<decltype(ops)>(a, M, N, K, B, ldb, C, ldc, accumulate); });
}

template <typename T>
void pack_transposed(const T* src, int64_t N, int64_t K, T* dst) {
  constexpr int64_t kTile = 16;
  for (int64_t n0 = 0; n0 < N; n0 += kTile)
    for (int64_t k0 = 0; k0 < K; k0 += kTile)
      for (int64_t n = n0; n < std::min(N, n0 + kTile); ++n)
        for (int64_t k = k0; k < std::min(K, k0 + kTile); ++k) dst[k * N + n] = src[n * K + k];
}

// Measured with bench/bench_gemm.cpp at the shapes of the quick suite's and config A's models
// (1,008 and 4,064 rows, one thread; docs/PERFORMANCE.md): our kernel was 0–80% faster than
// OpenBLAS wherever N fills whole 16-wide vectors and K is not tiny, except for the weight
// gradients (kTrans A, K = rows) of wide layers over many rows, where OpenBLAS's packing pays
// off (M·N·K above 2^24: e.g. 128 × 128 outputs over 4,064 rows ran at 0.88×); with N = 2…12 or
// ragged N it lost (up to 10× at N = 2). B's layout does not enter: a transposed B is packed first.
bool gemm_prefers_blocked(Trans ta, Trans /*tb*/, int64_t M, int64_t N, int64_t K) {
  if (N % 16 != 0 || K < 16) return false;
  return ta == Trans::kNo || M * N * K <= (int64_t(1) << 24);
}

template <typename T>
void gemm(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
          int64_t ldc, bool accumulate) {
  if (!gemm_prefers_blocked(ta, tb, M, N, K)) return gemm_blas(ta, tb, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
  if (tb == Trans::kNo) return gemm_blocked(ta, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
  std::vector<T> packed(K * N);  // (K, N)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) packed[k * N + n] = B[n * ldb + k];
  gemm_blocked(ta, M, N, K, A, lda, packed.data(), N, C, ldc, accumulate);
}

#define FL_GEMM_INSTANTIATE(T)                                                                                    \
  template void gemm<T>(Trans, Trans, int64_t, int64_t, int64_t, const T*, int64_t, const T*, int64_t, T*, int64_t, \
                        bool);                                                                                    \
  template void gemm_blas<T>(Trans, Trans, int64_t, int64_t, int64_t, const T*, int64_t, const T*, int64_t, T*,      \
                             int64_t, bool);                                                                      \
  template void gemm_blocked<T>(Trans, int64_t, int64_t, int64_t, const T*, int64_t, const T*, int64_t, T*, int64_t, \
                                bool);                                                                            \
  template void pack_transposed<T>(const T*, int64_t, int64_t, T*);
FL_GEMM_INSTANTIATE(float)
FL_GEMM_INSTANTIATE(double)
#undef FL_GEMM_INSTANTIATE

}  // namespace fl::kernels
