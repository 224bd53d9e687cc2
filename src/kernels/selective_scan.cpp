// Fused CPU selective scan (REFERENCE §1) with a hand-written backward, and its libtorch reference.
//
// Memory: the forward keeps only the state at the start of every chunk of kChunk time steps,
// (B, ceil(L / kChunk), Di, N); the backward recomputes the states inside one chunk at a time
// into a (kChunk + 1) × N scratch per thread, so saved activations do not grow as L·Di·N.
// Determinism: dB and dC sum over channels, which different threads own. Each work unit of the
// backward is (batch, block of kChannelBlock channels) and writes its own partial buffer
// (transient, B·L·N·ceil(Di / kChannelBlock) each); the partials are summed in a fixed order
// afterwards. The same holds for dA and dD over the batch. Results are therefore bit-identical
// run to run, whatever the thread count.
#include "kernels/selective_scan.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace fl::kernels {
namespace {

constexpr int64_t kChunk = 64;         // time steps between saved states
constexpr int64_t kChannelBlock = 32;  // channels per backward work unit (and dB/dC partial)

// Work items per at::parallel_for task when each item costs `work` element-steps: small problems
// stay on one thread instead of paying for a parallel region.
int64_t grain(int64_t work) {
  return std::max<int64_t>(1, at::internal::GRAIN_SIZE / std::max<int64_t>(1, work));
}

// Raw views of the contiguous inputs.
template <typename T>
struct ScanInputs {
  const T* u;      // (B, L, Di)
  const T* delta;  // (B, L, Di)
  const T* A;      // (Di, N)
  const T* Bm;     // (B, L, N)
  const T* Cm;     // (B, L, N)
  const T* D;      // (Di)
  int64_t B, L, Di, N;
  int64_t n_chunks() const { return (L + kChunk - 1) / kChunk; }
};

// Raw views of the gradient buffers the backward writes.
template <typename T>
struct ScanGrads {
  T* du;        // (B, L, Di)
  T* ddelta;    // (B, L, Di)
  T* dA_parts;  // (B, Di, N)               zero-initialised, summed over B afterwards
  T* dD_parts;  // (B, Di)                  summed over B afterwards
  T* dB_parts;  // (n_blocks, B, L, N)      zero-initialised, summed over blocks afterwards
  T* dC_parts;  // (n_blocks, B, L, N)      zero-initialised, summed over blocks afterwards
};

// exp in plain arithmetic, so that GCC vectorises the loops calling it (glibc's vector exp needs
// -ffast-math). x = k ln2 + r with |r| ≤ ln2/2 (Cody–Waite), e^r by its Taylor polynomial (degree
// 7 for float, 12 for double: error ≲ 1 ulp), 2^k written into the exponent bits. Results below
// the smallest normal flush to 0, above the largest finite become inf.
template <typename T, int kDegree>
constexpr std::array<T, kDegree + 1> inverse_factorials() {
  std::array<T, kDegree + 1> c{};
  double factorial = 1;
  for (int j = 0; j <= kDegree; ++j) c[j] = T(1 / (factorial *= (j ? j : 1)));
  return c;
}
template <typename T>
struct ExpConstants;
template <>
struct ExpConstants<float> {
  using Bits = int32_t;
  static constexpr int kMantissaBits = 23, kBias = 127;
  static constexpr float kLo = -87.0f, kHi = 88.0f, kShift = 0x1.8p23f;
  static constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  static constexpr auto kTaylor = inverse_factorials<float, 7>();
};
template <>
struct ExpConstants<double> {
  using Bits = int64_t;
  static constexpr int kMantissaBits = 52, kBias = 1023;
  static constexpr double kLo = -708.0, kHi = 709.0, kShift = 0x1.8p52;
  static constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  static constexpr auto kTaylor = inverse_factorials<double, 12>();
};

template <typename T>
inline T vexp(T x) {
  using E = ExpConstants<T>;
  const T xc = std::min(std::max(x, E::kLo), E::kHi);
  const T shifted = xc * T(1.44269504088896340736) + E::kShift;  // round(x / ln2) in low bits
  const T k = shifted - E::kShift;
  const T r = (xc - k * E::kLn2Hi) - k * E::kLn2Lo;
  T p = E::kTaylor.back();
  for (int j = static_cast<int>(E::kTaylor.size()) - 2; j >= 0; --j) p = p * r + E::kTaylor[j];
  typename E::Bits bits, shift_bits;
  std::memcpy(&bits, &shifted, sizeof(T));
  std::memcpy(&shift_bits, &E::kShift, sizeof(T));
  bits = (bits - shift_bits + E::kBias) << E::kMantissaBits;  // 2^k
  T scale;
  std::memcpy(&scale, &bits, sizeof(T));
  return x < E::kLo ? T(0) : (x > E::kHi ? std::numeric_limits<T>::infinity() : p * scale);
}

// One step of one channel d: a = exp(δ A_d), h_next = a ⊙ h_prev + δu B_t  (all N).
// h_prev may alias h_next.
template <typename T>
inline void scan_step(const T* A_d, const T* B_t, T dt, T dtu, const T* h_prev, T* a, T* h_next,
                      int64_t N) {
#pragma omp simd
  for (int64_t n = 0; n < N; ++n) {
    a[n] = vexp(dt * A_d[n]);
    h_next[n] = a[n] * h_prev[n] + dtu * B_t[n];
  }
}

// Forward, per (b, d), sequential in t:
//   a_t = exp(δ_t[d] A[d]);   h_t = a_t ⊙ h_{t-1} + δ_t[d] u_t[d] B_t;
//   y_t[d] = h_t · C_t + D[d] u_t[d]
// Before each chunk's first step, h_{t0-1} (zero for the first chunk) goes to chunk_states.
template <typename T>
void scan_forward(const ScanInputs<T>& in, T* y /* (B, L, Di) */,
                  T* chunk_states /* (B, n_chunks, Di, N) */) {
  const int64_t L = in.L, Di = in.Di, N = in.N, n_chunks = in.n_chunks();
  at::parallel_for(0, in.B * Di, grain(L * N), [&](int64_t begin, int64_t end) {
    std::vector<T> h(N), a(N);  // state and decay of one channel
    for (int64_t bd = begin; bd < end; ++bd) {
      const int64_t b = bd / Di, d = bd % Di;
      const T* A_d = in.A + d * N;
      std::fill(h.begin(), h.end(), T(0));
      for (int64_t t = 0; t < L; ++t) {
        if (t % kChunk == 0)
          std::copy(h.begin(), h.end(), chunk_states + ((b * n_chunks + t / kChunk) * Di + d) * N);
        const int64_t i = (b * L + t) * Di + d;  // into (B, L, Di)
        const T* B_t = in.Bm + (b * L + t) * N;
        const T* C_t = in.Cm + (b * L + t) * N;
        scan_step(A_d, B_t, in.delta[i], in.delta[i] * in.u[i], h.data(), a.data(), h.data(), N);
        T y_i = 0;
#pragma omp simd reduction(+ : y_i)
        for (int64_t n = 0; n < N; ++n) y_i += h[n] * C_t[n];
        y[i] = y_i + in.D[d] * in.u[i];
      }
    }
  });
}

// Backward, per (b, block of channels); per channel d, chunks in reverse order: recompute
// a_t and h_t inside the chunk from its saved start state, then walk it backwards with
//   g_t = dy_t[d] C_t + a_{t+1} ⊙ g_{t+1}                       (g after the last step = 0)
//   dC_t += dy_t[d] h_t;   dB_t += g_t δ_t[d] u_t[d];   dA[d] += g_t δ_t[d] a_t ⊙ h_{t-1}
//   du_t[d] = δ_t[d] (g_t · B_t) + dy_t[d] D[d];   dD[d] += dy_t[d] u_t[d]
//   dδ_t[d] = g_t · (u_t[d] B_t + A[d] ⊙ a_t ⊙ h_{t-1})
template <typename T>
void scan_backward(const ScanInputs<T>& in, const T* chunk_states /* (B, n_chunks, Di, N) */,
                   const T* dy /* (B, L, Di) */, const ScanGrads<T>& out) {
  const int64_t B = in.B, L = in.L, Di = in.Di, N = in.N, n_chunks = in.n_chunks();
  const int64_t n_blocks = (Di + kChannelBlock - 1) / kChannelBlock;
  at::parallel_for(0, B * n_blocks, grain(kChannelBlock * L * N), [&](int64_t begin, int64_t end) {
    std::vector<T> h((kChunk + 1) * N);  // h[s] = h_{t0+s-1}       (kChunk + 1, N)
    std::vector<T> a(kChunk * N);        // a[s] = a_{t0+s}         (kChunk, N)
    std::vector<T> g(N);                 // a_{t+1} ⊙ g_{t+1}, carried backwards in t
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t b = unit / n_blocks, block = unit % n_blocks;
      T* dB_b = out.dB_parts + (block * B + b) * L * N;  // (L, N)
      T* dC_b = out.dC_parts + (block * B + b) * L * N;  // (L, N)
      for (int64_t d = block * kChannelBlock; d < std::min(Di, (block + 1) * kChannelBlock); ++d) {
        const T* A_d = in.A + d * N;
        T* dA_bd = out.dA_parts + (b * Di + d) * N;
        T dD_bd = 0;
        std::fill(g.begin(), g.end(), T(0));
        for (int64_t c = n_chunks - 1; c >= 0; --c) {
          const int64_t t0 = c * kChunk, len = std::min(kChunk, L - t0);
          const T* start = chunk_states + ((b * n_chunks + c) * Di + d) * N;
          std::copy(start, start + N, h.begin());
          for (int64_t s = 0; s < len; ++s) {
            const int64_t i = (b * L + t0 + s) * Di + d;
            scan_step(A_d, in.Bm + (b * L + t0 + s) * N, in.delta[i], in.delta[i] * in.u[i],
                      &h[s * N], &a[s * N], &h[(s + 1) * N], N);
          }
          for (int64_t s = len - 1; s >= 0; --s) {
            const int64_t t = t0 + s, i = (b * L + t) * Di + d;
            const T dt = in.delta[i], u_t = in.u[i], dy_t = dy[i];
            const T* B_t = in.Bm + (b * L + t) * N;
            const T* C_t = in.Cm + (b * L + t) * N;
            const T* h_prev = &h[s * N];
            const T* h_t = &h[(s + 1) * N];
            const T* a_t = &a[s * N];
            T* dB_t = dB_b + t * N;
            T* dC_t = dC_b + t * N;
            T gB = 0, ddelta_t = 0;
#pragma omp simd reduction(+ : gB, ddelta_t)
            for (int64_t n = 0; n < N; ++n) {
              const T g_n = dy_t * C_t[n] + g[n];
              const T ah = a_t[n] * h_prev[n];
              dC_t[n] += dy_t * h_t[n];
              dB_t[n] += g_n * dt * u_t;
              dA_bd[n] += g_n * dt * ah;
              gB += g_n * B_t[n];
              ddelta_t += g_n * (u_t * B_t[n] + A_d[n] * ah);
              g[n] = a_t[n] * g_n;
            }
            out.du[i] = dt * gB + dy_t * in.D[d];
            out.ddelta[i] = ddelta_t;
            dD_bd += dy_t * u_t;
          }
        }
        out.dD_parts[b * Di + d] = dD_bd;
      }
    }
  });
}

// out[i] = Σ_p parts[p * size + i], added in increasing p: the same bits whatever the thread count.
template <typename T>
void sum_parts(const T* parts, int64_t n_parts, int64_t size, T* out) {
  at::parallel_for(0, size, grain(n_parts), [&](int64_t begin, int64_t end) {
    std::copy(parts + begin, parts + end, out + begin);
    for (int64_t p = 1; p < n_parts; ++p) {
      const T* part = parts + p * size;
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) out[i] += part[i];
    }
  });
}

template <typename T>
ScanInputs<T> views(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                    const torch::Tensor& Bm, const torch::Tensor& Cm, const torch::Tensor& D) {
  return {u.data_ptr<T>(),  delta.data_ptr<T>(), A.data_ptr<T>(), Bm.data_ptr<T>(),
          Cm.data_ptr<T>(), D.data_ptr<T>(),     u.size(0),       u.size(1),
          u.size(2),        A.size(1)};
}

void check_inputs(const char* fn, const torch::Tensor& u, const torch::Tensor& delta,
                  const torch::Tensor& A, const torch::Tensor& Bm, const torch::Tensor& Cm,
                  const torch::Tensor& D) {
  TORCH_CHECK(u.dim() == 3, fn, ": u must be (B, L, Di), got ", u.sizes());
  const int64_t B = u.size(0), L = u.size(1), Di = u.size(2);
  TORCH_CHECK(L >= 1, fn, ": needs at least one time step, got u ", u.sizes());
  TORCH_CHECK(A.dim() == 2 && A.size(0) == Di, fn, ": A must be (Di=", Di, ", N), got ",
              A.sizes());
  const int64_t N = A.size(1);
  TORCH_CHECK(delta.sizes() == u.sizes(), fn, ": delta must be ", u.sizes(), ", got ",
              delta.sizes());
  TORCH_CHECK(Bm.sizes() == c10::IntArrayRef({B, L, N}), fn, ": Bm must be (B, L, N) = (", B, ", ",
              L, ", ", N, "), got ", Bm.sizes());
  TORCH_CHECK(Cm.sizes() == Bm.sizes(), fn, ": Cm must be ", Bm.sizes(), ", got ", Cm.sizes());
  TORCH_CHECK(D.dim() == 1 && D.size(0) == Di, fn, ": D must be (Di=", Di, "), got ", D.sizes());
  TORCH_CHECK(u.scalar_type() == torch::kFloat || u.scalar_type() == torch::kDouble, fn,
              ": float32 or float64 only, got ", u.scalar_type());
  for (const auto* x : {&delta, &A, &Bm, &Cm, &D})
    TORCH_CHECK(x->scalar_type() == u.scalar_type(), fn, ": all inputs must be ", u.scalar_type(),
                ", got ", x->scalar_type());
}

struct SelectiveScanFunction : torch::autograd::Function<SelectiveScanFunction> {
  // Inputs are contiguous, checked, and on the CPU.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& u,
                               const torch::Tensor& delta, const torch::Tensor& A,
                               const torch::Tensor& Bm, const torch::Tensor& Cm,
                               const torch::Tensor& D) {
    const int64_t B = u.size(0), L = u.size(1), Di = u.size(2), N = A.size(1);
    auto y = torch::empty_like(u);  // (B, L, Di)
    auto chunk_states = torch::empty({B, (L + kChunk - 1) / kChunk, Di, N}, u.options());
    AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "selective_scan_forward", [&] {
      scan_forward(views<scalar_t>(u, delta, A, Bm, Cm, D), y.data_ptr<scalar_t>(),
                   chunk_states.data_ptr<scalar_t>());
    });
    ctx->save_for_backward({u, delta, A, Bm, Cm, D, chunk_states});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &u = saved[0], &delta = saved[1], &A = saved[2], &Bm = saved[3], &Cm = saved[4],
               &D = saved[5], &chunk_states = saved[6];
    const auto dy = grad_outputs[0].contiguous();  // (B, L, Di)
    const int64_t B = u.size(0), L = u.size(1), Di = u.size(2), N = A.size(1);
    const int64_t n_blocks = (Di + kChannelBlock - 1) / kChannelBlock;
    const auto opts = u.options();
    auto du = torch::empty_like(u), ddelta = torch::empty_like(delta);
    auto dA = torch::empty_like(A), dBm = torch::empty_like(Bm), dCm = torch::empty_like(Cm),
         dD = torch::empty_like(D);
    auto dA_parts = torch::zeros({B, Di, N}, opts), dD_parts = torch::empty({B, Di}, opts);
    auto dB_parts = torch::zeros({n_blocks, B, L, N}, opts);
    auto dC_parts = torch::zeros({n_blocks, B, L, N}, opts);
    AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "selective_scan_backward", [&] {
      using T = scalar_t;
      const ScanGrads<T> grads{du.data_ptr<T>(),       ddelta.data_ptr<T>(),
                               dA_parts.data_ptr<T>(), dD_parts.data_ptr<T>(),
                               dB_parts.data_ptr<T>(), dC_parts.data_ptr<T>()};
      scan_backward(views<T>(u, delta, A, Bm, Cm, D), chunk_states.data_ptr<T>(), dy.data_ptr<T>(),
                    grads);
      sum_parts(dA_parts.data_ptr<T>(), B, Di * N, dA.data_ptr<T>());
      sum_parts(dD_parts.data_ptr<T>(), B, Di, dD.data_ptr<T>());
      sum_parts(dB_parts.data_ptr<T>(), n_blocks, B * L * N, dBm.data_ptr<T>());
      sum_parts(dC_parts.data_ptr<T>(), n_blocks, B * L * N, dCm.data_ptr<T>());
    });
    return {du, ddelta, dA, dBm, dCm, dD};
  }
};

}  // namespace

torch::Tensor selective_scan(const torch::Tensor& u, const torch::Tensor& delta,
                             const torch::Tensor& A, const torch::Tensor& Bm,
                             const torch::Tensor& Cm, const torch::Tensor& D) {
  check_inputs("selective_scan", u, delta, A, Bm, Cm, D);
  for (const auto* x : {&u, &delta, &A, &Bm, &Cm, &D})
    TORCH_CHECK(x->device().is_cpu(), "selective_scan: CPU tensors only, got ", x->device());
  return SelectiveScanFunction::apply(u.contiguous(), delta.contiguous(), A.contiguous(),
                                      Bm.contiguous(), Cm.contiguous(), D.contiguous());
}

// Mamba's selective_scan_ref: the (B, L, Di, N) decays and drives are built at once, the
// recurrence runs over the unbound time axis, and the outputs are stacked back.
torch::Tensor selective_scan_reference(const torch::Tensor& u, const torch::Tensor& delta,
                                       const torch::Tensor& A, const torch::Tensor& Bm,
                                       const torch::Tensor& Cm, const torch::Tensor& D) {
  check_inputs("selective_scan_reference", u, delta, A, Bm, Cm, D);
  const auto decay = torch::exp(delta.unsqueeze(-1) * A);          // (B, L, Di, N)
  const auto drive = (delta * u).unsqueeze(-1) * Bm.unsqueeze(2);  // (B, L, Di, N)
  const auto decays = decay.unbind(1), drives = drive.unbind(1);   // L × (B, Di, N)
  const auto Cs = Cm.unsqueeze(2).unbind(1);                       // L × (B, 1, N)
  auto h = torch::zeros({u.size(0), u.size(2), A.size(1)}, u.options());  // (B, Di, N)
  std::vector<torch::Tensor> ys;
  ys.reserve(decays.size());
  for (size_t t = 0; t < decays.size(); ++t) {
    h = decays[t] * h + drives[t];
    ys.push_back((h * Cs[t]).sum(-1));  // (B, Di)
  }
  return torch::stack(ys, 1) + u * D;  // (B, L, Di)
}

}  // namespace fl::kernels
