// Elementwise math in plain arithmetic, so that GCC vectorises the loops calling it under
// `#pragma omp simd` (glibc's vector libm needs -ffast-math). Header-only; float and double.
//
//   vexp(x)      e^x: x = k ln2 + r with |r| ≤ ln2/2 (Cody–Waite), e^r by its Taylor polynomial
//                (degree 7 for float, 12 for double: error ≲ 1 ulp), 2^k written into the exponent
//                bits. Results below the smallest normal flush to 0, above the largest finite
//                become inf.
//   vlog(x)      ln x for finite normal x > 0: x = m 2^k with m in [√½, √2),
//                ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| ≤ 0.172, by its odd series
//                (to s^11 for float, s^21 for double: error ≲ 2 ulp).
//   vlog1p(x)    ln(1 + x) for finite x > -1, accurate for small x: ln w · x / (w - 1), w = 1 + x.
//   vsoftplus(x) Mamba's softplus (torch.nn.functional.softplus, threshold 20):
//                x if x > 20, else ln(1 + e^x).
//   vsoftplus_derivative(x)  its derivative: 1 if x > 20, else sigmoid(x) = e^x / (1 + e^x).
//   vsigmoid(x)  1 / (1 + e^-x).
//   vsilu(x)     x sigmoid(x);  vsilu_derivative(x) = sigmoid(x) (1 + x (1 - sigmoid(x))).
//   vnormal_cdf(x)  Φ(x) = ½ (1 + erf(x/√2)). float: erfc(|u|) ≈ t·P(t)·e^{−u²}, t = 1/(1 + p|u|)
//                (Abramowitz–Stegun 7.1.26, |error| ≤ 1.5e-7, the formula of libtorch's AVX2 erf),
//                1 + erf(u) = 2 − erfc(|u|) for u ≥ 0 and erfc(|u|) for u < 0, so the negative side
//                keeps its relative accuracy; double: std::erf (exact, not vectorised).
//   vgelu(x)     x Φ(x), the exact (erf) GELU;  vgelu_derivative(x) = Φ(x) + x e^{−x²/2} / √(2π).
//   vgelu_and_derivative(x, g, d)  both at once (float: one exp serves Φ and the density).
//
// For code that needs values held in SIMD registers across a loop (GCC keeps lane accumulators
// that live in arrays in memory, one store and reload per iteration), explicit vectors:
//   SimdVector<T, kWidth>   kWidth values of T as one GCC/Clang vector (vector_size extension):
//                           arithmetic is lane-wise, a scalar operand is broadcast; lowered to
//                           whatever SIMD the target has (two AVX2 registers for 8 doubles).
//   simd_load<V>(p), simd_store(p, v)   unaligned load and store.
//   row_sums8(rows)         for 8 vectors of 8 lanes, lane k of the result = Σ_j rows[k][j]
//                           (a transposing tree of shuffles, in a fixed order).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace fl::kernels {
namespace vector_math_detail {

template <typename T, int kDegree>
constexpr std::array<T, kDegree + 1> inverse_factorials() {
  std::array<T, kDegree + 1> c{};
  double factorial = 1;
  for (int j = 0; j <= kDegree; ++j) c[j] = T(1 / (factorial *= (j ? j : 1)));
  return c;
}

// 1/1, 1/3, 1/5, ...: coefficients of atanh(s)/s in powers of s².
template <typename T, int kTerms>
constexpr std::array<T, kTerms> inverse_odds() {
  std::array<T, kTerms> c{};
  for (int j = 0; j < kTerms; ++j) c[j] = T(1.0 / (2 * j + 1));
  return c;
}

template <typename T>
struct Constants;
template <>
struct Constants<float> {
  using Bits = int32_t;
  static constexpr int kMantissaBits = 23, kBias = 127;
  static constexpr float kExpLo = -87.0f, kExpHi = 88.0f, kShift = 0x1.8p23f;
  static constexpr float kTwoToMantissa = 0x1p23f;
  static constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  static constexpr auto kTaylor = inverse_factorials<float, 7>();
  static constexpr auto kAtanh = inverse_odds<float, 6>();
};
template <>
struct Constants<double> {
  using Bits = int64_t;
  static constexpr int kMantissaBits = 52, kBias = 1023;
  static constexpr double kExpLo = -708.0, kExpHi = 709.0, kShift = 0x1.8p52;
  static constexpr double kTwoToMantissa = 0x1p52;
  static constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  static constexpr auto kTaylor = inverse_factorials<double, 12>();
  static constexpr auto kAtanh = inverse_odds<double, 11>();
};

template <typename T>
inline typename Constants<T>::Bits to_bits(T x) {
  typename Constants<T>::Bits bits;
  std::memcpy(&bits, &x, sizeof(T));
  return bits;
}
template <typename T>
inline T from_bits(typename Constants<T>::Bits bits) {
  T x;
  std::memcpy(&x, &bits, sizeof(T));
  return x;
}

}  // namespace vector_math_detail

template <typename T>
inline T vexp(T x) {
  namespace detail = vector_math_detail;
  using E = detail::Constants<T>;
  const T xc = std::min(std::max(x, E::kExpLo), E::kExpHi);
  const T shifted = xc * T(1.44269504088896340736) + E::kShift;  // round(x / ln2) in low bits
  const T k = shifted - E::kShift;
  const T r = (xc - k * E::kLn2Hi) - k * E::kLn2Lo;
  T p = E::kTaylor.back();
  for (int j = static_cast<int>(E::kTaylor.size()) - 2; j >= 0; --j) p = p * r + E::kTaylor[j];
  const T scale = detail::from_bits<T>(
      (detail::to_bits(shifted) - detail::to_bits(E::kShift) + E::kBias) << E::kMantissaBits);
  return x < E::kExpLo ? T(0) : (x > E::kExpHi ? std::numeric_limits<T>::infinity() : p * scale);
}

template <typename T>
inline T vlog(T x) {
  namespace detail = vector_math_detail;
  using E = detail::Constants<T>;
  using Bits = typename E::Bits;
  constexpr Bits kMantissaMask = (Bits(1) << E::kMantissaBits) - 1;
  const Bits bits = detail::to_bits(x);
  // m in [1, 2) and the biased exponent; then m in [√½, √2).
  T m = detail::from_bits<T>((bits & kMantissaMask) | (Bits(E::kBias) << E::kMantissaBits));
  // The biased exponent as T without an int→float conversion (none for int64 in AVX2):
  // 2^mantissa_bits + e has e in its low mantissa bits.
  T k = detail::from_bits<T>((bits >> E::kMantissaBits) | detail::to_bits(E::kTwoToMantissa)) -
        E::kTwoToMantissa - T(E::kBias);
  const bool high = m > T(1.41421356237309504880);
  m = high ? m * T(0.5) : m;
  k = high ? k + T(1) : k;
  const T s = (m - T(1)) / (m + T(1));
  const T s2 = s * s;
  T p = E::kAtanh.back();
  for (int j = static_cast<int>(E::kAtanh.size()) - 2; j >= 0; --j) p = p * s2 + E::kAtanh[j];
  return k * E::kLn2Hi + (T(2) * s * p + k * E::kLn2Lo);
}

template <typename T>
inline T vlog1p(T x) {
  const T w = T(1) + x;
  return w == T(1) ? x : vlog(w) * (x / (w - T(1)));
}

// Beyond this, softplus(x) = x (Mamba / torch.nn.functional.softplus default).
template <typename T>
inline constexpr T kSoftplusThreshold = T(20);

template <typename T>
inline T vsigmoid(T x) {
  return T(1) / (T(1) + vexp(-x));
}

template <typename T>
inline T vsoftplus(T x) {
  return x > kSoftplusThreshold<T> ? x : vlog1p(vexp(x));
}

// sigmoid(x) as e^x / (1 + e^x): in a loop that also calls vsoftplus(x), GCC computes e^x once.
template <typename T>
inline T vsoftplus_derivative(T x) {
  const T e = vexp(x);
  return x > kSoftplusThreshold<T> ? T(1) : e / (T(1) + e);
}

template <typename T>
inline T vsilu(T x) {
  return x * vsigmoid(x);
}

template <typename T>
inline T vsilu_derivative(T x) {
  const T e = vexp(-x);
  const T s = T(1) / (T(1) + e);                  // sigmoid(x)
  const T s_minus = x > T(0) ? e * s : T(1) - s;  // sigmoid(-x) = 1 - s, without cancellation
  return s * (T(1) + x * s_minus);
}

// Φ(x), given e^{−x²/2} (which the float formula needs anyway).
template <typename T>
inline T vnormal_cdf_with(T x, T gauss) {
  if constexpr (std::is_same_v<T, float>) {
    constexpr float p = 0.3275911f, a1 = 0.254829592f, a2 = -0.284496736f, a3 = 1.421413741f,
                    a4 = -1.453152027f, a5 = 1.061405429f;
    const float u = x * 0.70710678118654752f;
    const float t = 1.0f / (1.0f + p * (u < 0.0f ? -u : u));
    const float erfc = t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5)))) * gauss;
    return 0.5f * (u < 0.0f ? erfc : 2.0f - erfc);
  } else {
    return T(0.5) * (T(1) + std::erf(x * T(0.70710678118654752440)));
  }
}

template <typename T>
inline T vnormal_cdf(T x) {
  return vnormal_cdf_with(x, vexp(T(-0.5) * x * x));
}

template <typename T>
inline T vgelu(T x) {
  return x * vnormal_cdf(x);
}

template <typename T>
inline void vgelu_and_derivative(T x, T& gelu, T& derivative) {
  const T gauss = vexp(T(-0.5) * x * x);
  const T cdf = vnormal_cdf_with(x, gauss);
  gelu = x * cdf;
  derivative = cdf + x * gauss * T(0.39894228040143267794);
}

template <typename T>
inline T vgelu_derivative(T x) {
  T gelu, derivative;
  vgelu_and_derivative(x, gelu, derivative);
  return derivative;
}

template <typename T, int kWidth>
struct SimdVectorOf {
  typedef T type __attribute__((vector_size(kWidth * sizeof(T))));
};
template <typename T, int kWidth>
using SimdVector = typename SimdVectorOf<T, kWidth>::type;

template <typename V, typename T>
inline V simd_load(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T, typename V>
inline void simd_store(T* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}

// Lane k of the result is Σ_j rows[k][j], summed as
// ((j0 + j4) + (j2 + j6)) + ((j1 + j5) + (j3 + j7)). Each level folds two vectors' lanes in half
// and packs the halves side by side.
template <typename T>
inline SimdVector<T, 8> row_sums8(const SimdVector<T, 8> (&rows)[8]) {
  using V = SimdVector<T, 8>;
  const auto fold4 = [](V x, V y) {  // [x0+x4 .. x3+x7 | y0+y4 .. y3+y7]
    return __builtin_shufflevector(x, y, 0, 1, 2, 3, 8, 9, 10, 11) +
           __builtin_shufflevector(x, y, 4, 5, 6, 7, 12, 13, 14, 15);
  };
  const auto fold2 = [](V x, V y) {  // x = [p | q], y = [r | s] → [p (2), r (2), q (2), s (2)]
    return __builtin_shufflevector(x, y, 0, 1, 8, 9, 4, 5, 12, 13) +
           __builtin_shufflevector(x, y, 2, 3, 10, 11, 6, 7, 14, 15);
  };
  const auto fold1 = [](V x, V y) {  // back to row order
    return __builtin_shufflevector(x, y, 0, 4, 2, 6, 8, 12, 10, 14) +
           __builtin_shufflevector(x, y, 1, 5, 3, 7, 9, 13, 11, 15);
  };
  return fold1(fold2(fold4(rows[0], rows[1]), fold4(rows[2], rows[3])),
               fold2(fold4(rows[4], rows[5]), fold4(rows[6], rows[7])));
}

}  // namespace fl::kernels
