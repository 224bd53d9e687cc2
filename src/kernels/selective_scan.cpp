// Fused CPU selective scan (docs/SOURCES.md §1; math in selective_scan.h) with a hand-written backward,
// and its libtorch reference.
//
// Layout: a work unit scans a strip of kStrip channels of one batch row, sequentially in t. The
// strip's state is an (N, kStrip) tile; its channels go kLanes at a time into SIMD lanes (a lane
// block), so every per-channel operation — softplus, the N decays and state updates, the readout,
// the gate — is a vertical vector operation. Each step reads one contiguous kStrip-wide segment
// of the u, delta, z rows and one B_t, C_t row for the whole strip. Only dB and dC sum over
// channels: per step the strip's terms are added over its lane blocks into an (N, kLanes) tile,
// whose lanes are then summed by a shuffle tree.
// Memory: the forward keeps only the state at the start of every chunk of kChunk steps,
// (B, n_chunks, N, Di). The backward recomputes one chunk of one strip at a time — δ, the decays
// a_t, the states h_t and the readout — into a per-thread scratch of about 2 kChunk N kStrip
// values (256 KiB in float32), then walks it backwards; nothing of size L·Di·N is kept.
// Determinism: a backward work unit is (batch, strip); it writes its own dB/dC partial,
// (n_strips, B, L, N), and its own entries of the per-batch dA, dD and d(delta_bias) partials;
// all partials are summed afterwards in a fixed order. Results are therefore bit-identical run to
// run, whatever the thread count.
#if defined(__AVX512F__)
// The lane blocks are 16 channels wide (selective_scan_strip.h): let GCC vectorise their loops
// with whole 512-bit vectors (its default on AVX-512 machines is 256).
#pragma GCC target("prefer-vector-width=512")
#endif
#include "kernels/selective_scan.h"

#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "kernels/kernel_mode.h"
#include "kernels/parallel.h"
#include "kernels/selective_scan_strip.h"
#include "kernels/vector_math.h"

namespace fl::kernels {
namespace {

using namespace scan_detail;

// Forward, per (b, strip), sequential in t. Before each chunk's first step the state (zero for
// the first chunk) goes to chunk_states.
template <typename T>
void scan_forward(const ScanInputs<T>& in, T* out /* (B, L, Di) */,
                  T* chunk_states /* (B, n_chunks, N, Di) */) {
  const int64_t L = in.L, Di = in.Di, N = in.N, n_strips = in.n_strips();
  at::parallel_for(0, in.B * n_strips, grain(kStrip * L * N), [&](int64_t begin, int64_t end) {
    Strip<T> strip(N);
    std::vector<T> h(N * kStrip);  // (N, kStrip)
    StepLanes<T> s;
    alignas(64) T y[kStrip], z[kStrip];
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t b = unit / n_strips;
      strip.load(in, (unit % n_strips) * kStrip);
      std::fill(h.begin(), h.end(), T(0));
      for (int64_t t = 0; t < L; ++t) {
        if (t % kChunk == 0)
          store_tile(h.data(), strip, N, Di,
                     chunk_states + (b * in.n_chunks() + t / kChunk) * N * Di);
        load_step<false>(in, strip, b, t, s);
        if (t + kPrefetchSteps < L)
          prefetch_strip<true>(out + (b * L + t + kPrefetchSteps) * Di + strip.d0);
        scan_step<false>(strip, s, in.Bm.at(b, t), in.Cm.at(b, t), h.data(),
                         static_cast<T*>(nullptr), h.data(), y, N);
#pragma omp simd
        for (int64_t j = 0; j < kStrip; ++j) y[j] += strip.D[j] * s.u[j];
        if (in.z.data) {
          load_padded(in.z.at(b, t) + strip.d0, strip.width, z);
#pragma omp simd
          for (int64_t j = 0; j < kStrip; ++j) y[j] *= vsilu(z[j]);
        }
        store_clipped(y, strip.width, out + (b * L + t) * Di + strip.d0);
      }
    }
  });
}

// Raw views of the gradient buffers the backward writes.
template <typename T>
struct ScanGrads {
  MutableRows<T> du;      // (B, L, Di)
  MutableRows<T> ddelta;  // (B, L, Di)
  MutableRows<T> dz;      // (B, L, Di), null without gate
  T* dA_parts;     // (B, Di, N)          summed over B afterwards
  T* dD_parts;     // (B, Di)             summed over B afterwards
  T* dbias_parts;  // (B, Di)             summed over B afterwards; null without bias
  T* dB_parts;     // (n_strips, B, L, N) summed over strips afterwards
  T* dC_parts;     // (n_strips, B, L, N) summed over strips afterwards
};

// Per-thread scratch of the backward: one chunk of one strip.
template <typename T>
struct ChunkScratch {
  explicit ChunkScratch(int64_t N)
      : steps(kChunk),
        h((kChunk + 1) * N * kStrip),
        a(kChunk * N * kStrip),
        y(kChunk * kStrip),
        g(N * kStrip),
        dA(N * kStrip),
        dB_terms(N * kLanes),
        dC_terms(N * kLanes) {}
  std::vector<StepLanes<T>> steps;  // (kChunk)
  std::vector<T> h;                 // (kChunk + 1, N, kStrip)  h[s] = state before step t0 + s
  std::vector<T> a;                 // (kChunk, N, kStrip)      a[s] = decay of step t0 + s
  std::vector<T> y;                 // (kChunk, kStrip)         readout h_t · C_t
  std::vector<T> g;                 // (N, kStrip)  a_{t+1} ⊙ g_{t+1}, carried backwards in t
  std::vector<T> dA;                // (N, kStrip)  Σ_t g_t δ_t a_t ⊙ h_{t-1}
  std::vector<T> dB_terms;  // (N, kLanes)  g_t δ_t u_t of one step, summed over lane blocks
  std::vector<T> dC_terms;  // (N, kLanes)  dy_t h_t of one step, summed over lane blocks
  alignas(64) T dD[kStrip], dbias[kStrip];
};

// Row n of an (N, kLanes) tile folded to 8 lanes: lanes j and j + 8 added when kLanes is 16.
template <typename T>
inline SimdVector<T, 8> folded_row(const T* tile, int64_t n) {
  static_assert(kLanes == 8 || kLanes == 16, "lane blocks of 8 or 16 channels");
  using V8 = SimdVector<T, 8>;
  if constexpr (kLanes == 8) return simd_load<V8>(tile + n * kLanes);
  return simd_load<V8>(tile + n * kLanes) + simd_load<V8>(tile + n * kLanes + 8);
}

// out[n] += Σ_j tile[n][j] for an (N, kLanes) tile, in a fixed order: eight rows at a time
// through row_sums8, the rest one by one.
template <typename T>
inline void add_lane_sums(const T* tile, int64_t N, T* out) {
  using V8 = SimdVector<T, 8>;
  int64_t n = 0;
  for (; n + 8 <= N; n += 8) {
    V8 rows[8];
    for (int64_t k = 0; k < 8; ++k) rows[k] = folded_row(tile, n + k);
    simd_store(out + n, simd_load<V8>(out + n) + row_sums8<T>(rows));
  }
  for (; n < N; ++n) {
    const V8 row = folded_row(tile, n);
    for (int64_t j = 0; j < 8; ++j) out[n] += row[j];
  }
}

// The backward of step t = t0 + s of a strip (see the header for the formulas), and the prefetch
// of step t - kPrefetchSteps.
template <typename T>
void backward_step(const ScanInputs<T>& in, const Strip<T>& strip, const Rows<T>& dout, int64_t b,
                   int64_t t, int64_t s, ChunkScratch<T>& w, const ScanGrads<T>& out,
                   T* dB_t /* (N) */, T* dC_t /* (N) */) {
  using V = Lanes<T>;
  const int64_t N = in.N, width = strip.width;
  if (t >= kPrefetchSteps) {
    prefetch_strip(dout.at(b, t - kPrefetchSteps) + strip.d0);
    if (in.z.data) prefetch_strip(in.z.at(b, t - kPrefetchSteps) + strip.d0);
    for (const MutableRows<T>* grad : {&out.du, &out.ddelta, &out.dz})
      if (grad->data) prefetch_strip<true>(grad->at(b, t - kPrefetchSteps) + strip.d0);
  }
  const StepLanes<T>& st = w.steps[s];
  const T* a = &w.a[s * N * kStrip];
  const T* h_prev = &w.h[s * N * kStrip];
  const T* h_t = &w.h[(s + 1) * N * kStrip];
  const T *B_t = in.Bm.at(b, t), *C_t = in.Cm.at(b, t);
  alignas(64) T dy[kStrip], du[kStrip], ddelta[kStrip];
  load_padded(dout.at(b, t) + strip.d0, width, dy);
  if (in.z.data) {  // dy = dout ⊙ SiLU(z);  dz = dout ⊙ y ⊙ SiLU'(z)
    alignas(64) T z[kStrip], dz[kStrip];
    load_padded(in.z.at(b, t) + strip.d0, width, z);
#pragma omp simd
    for (int64_t j = 0; j < kStrip; ++j) {
      dz[j] = dy[j] * (w.y[s * kStrip + j] + strip.D[j] * st.u[j]) * vsilu_derivative(z[j]);
      dy[j] *= vsilu(z[j]);
    }
    store_clipped(dz, width, out.dz.at(b, t) + strip.d0);
  }
  // Per lane block: dy, δ, δu, and the sums over n of g_t B_t and of g_t A a_t h_{t-1}. As
  // SimdVectors they stay in registers across the loop over n.
  V dy_v[kBlocks], dt_v[kBlocks], dtu_v[kBlocks], gB_v[kBlocks] = {}, gAah_v[kBlocks] = {};
  for (int64_t lb = 0; lb < kBlocks; ++lb) {
    dy_v[lb] = simd_load<V>(dy + lb * kLanes);
    dt_v[lb] = simd_load<V>(st.dt + lb * kLanes);
    dtu_v[lb] = simd_load<V>(st.dtu + lb * kLanes);
  }
  for (int64_t n = 0; n < N; ++n) {
    const T B_n = B_t[n], C_n = C_t[n];
    V dB_n = {}, dC_n = {};  // summed over lane blocks
    for (int64_t lb = 0; lb < kBlocks; ++lb) {
      const int64_t o = n * kStrip + lb * kLanes;  // into the tiles
      const V a_n = simd_load<V>(a + o);
      const V g_n = dy_v[lb] * C_n + simd_load<V>(&w.g[o]);  // g_t
      const V p = g_n * a_n * simd_load<V>(h_prev + o);
      simd_store(&w.dA[o], simd_load<V>(&w.dA[o]) + p * dt_v[lb]);
      gAah_v[lb] += p * simd_load<V>(&strip.A[o]);
      gB_v[lb] += g_n * B_n;
      dB_n += g_n * dtu_v[lb];
      dC_n += dy_v[lb] * simd_load<V>(h_t + o);
      simd_store(&w.g[o], a_n * g_n);
    }
    simd_store(&w.dB_terms[n * kLanes], dB_n);
    simd_store(&w.dC_terms[n * kLanes], dC_n);
  }
  add_lane_sums(w.dB_terms.data(), N, dB_t);
  add_lane_sums(w.dC_terms.data(), N, dC_t);
  for (int64_t lb = 0; lb < kBlocks; ++lb) {
    const int64_t c = lb * kLanes;
    const V u_v = simd_load<V>(st.u + c);
    simd_store(du + c, dt_v[lb] * gB_v[lb] + dy_v[lb] * simd_load<V>(strip.D + c));
    simd_store(ddelta + c, u_v * gB_v[lb] + gAah_v[lb]);  // dδ
    simd_store(w.dD + c, simd_load<V>(w.dD + c) + dy_v[lb] * u_v);
  }
  store_clipped(du, width, out.du.at(b, t) + strip.d0);
  if (in.delta_softplus) {
#pragma omp simd
    for (int64_t j = 0; j < kStrip; ++j) ddelta[j] *= st.ddt[j];
  }
#pragma omp simd
  for (int64_t j = 0; j < kStrip; ++j) w.dbias[j] += ddelta[j];
  store_clipped(ddelta, width, out.ddelta.at(b, t) + strip.d0);
}

// Backward, per (b, strip); chunks in reverse order: recompute δ, a_t, h_t and the readout
// inside the chunk from its saved start state, then walk it backwards.
template <typename T>
void scan_backward(const ScanInputs<T>& in, const T* chunk_states /* (B, n_chunks, N, Di) */,
                   const Rows<T>& dout /* (B, L, Di) */, const ScanGrads<T>& out) {
  const int64_t B = in.B, L = in.L, Di = in.Di, N = in.N, n_chunks = in.n_chunks();
  const int64_t n_strips = in.n_strips(), tile = N * kStrip;
  at::parallel_for(0, B * n_strips, grain(kStrip * L * N), [&](int64_t begin, int64_t end) {
    Strip<T> strip(N);
    ChunkScratch<T> w(N);
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t b = unit / n_strips, strip_index = unit % n_strips;
      strip.load(in, strip_index * kStrip);
      T* dB_b = out.dB_parts + (strip_index * B + b) * L * N;  // (L, N)
      T* dC_b = out.dC_parts + (strip_index * B + b) * L * N;  // (L, N)
      std::fill(dB_b, dB_b + L * N, T(0));
      std::fill(dC_b, dC_b + L * N, T(0));
      std::fill(w.g.begin(), w.g.end(), T(0));
      std::fill(w.dA.begin(), w.dA.end(), T(0));
      std::fill(w.dD, w.dD + kStrip, T(0));
      std::fill(w.dbias, w.dbias + kStrip, T(0));
      for (int64_t chunk = n_chunks - 1; chunk >= 0; --chunk) {
        const int64_t t0 = chunk * kChunk, len = std::min(kChunk, L - t0);
        load_tile(chunk_states + (b * n_chunks + chunk) * N * Di, strip, N, Di, w.h.data());
        for (int64_t s = 0; s < len; ++s) {
          load_step<true>(in, strip, b, t0 + s, w.steps[s]);
          scan_step<true>(strip, w.steps[s], in.Bm.at(b, t0 + s), in.Cm.at(b, t0 + s),
                          &w.h[s * tile], &w.a[s * tile], &w.h[(s + 1) * tile], &w.y[s * kStrip],
                          N);
        }
        for (int64_t s = len - 1; s >= 0; --s)
          backward_step(in, strip, dout, b, t0 + s, s, w, out, dB_b + (t0 + s) * N,
                        dC_b + (t0 + s) * N);
      }
      for (int64_t c = 0; c < strip.width; ++c) {
        const int64_t d = strip.d0 + c;
        for (int64_t n = 0; n < N; ++n) out.dA_parts[(b * Di + d) * N + n] = w.dA[n * kStrip + c];
        out.dD_parts[b * Di + d] = w.dD[c];
        if (out.dbias_parts) out.dbias_parts[b * Di + d] = w.dbias[c];
      }
    }
  });
}

// out[b, t, :] = Σ_p parts[p, b, t, :] for (n_parts, B, L, N) parts, added in increasing p, into
// rows that may be strided (dB, dC inside x_proj's output gradient).
template <typename T>
void sum_parts_into_rows(const T* parts, int64_t n_parts, int64_t B, int64_t L, int64_t N,
                         const MutableRows<T>& out) {
  at::parallel_for(0, B * L, grain(n_parts * N), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      T* o = out.at(row / L, row % L);
      std::copy(parts + row * N, parts + (row + 1) * N, o);
      for (int64_t p = 1; p < n_parts; ++p) {
        const T* part = parts + (p * B * L + row) * N;
#pragma omp simd
        for (int64_t n = 0; n < N; ++n) o[n] += part[n];
      }
    }
  });
}

template <typename T>
T* data_or_null(const torch::Tensor& x) {
  return x.defined() ? x.data_ptr<T>() : nullptr;
}

// Inputs in the order u, delta, A, Bm, Cm, D, z, delta_bias (z, delta_bias may be undefined).
template <typename T>
ScanInputs<T> views(const torch::autograd::variable_list& x, bool delta_softplus) {
  return {rows<T>(x[0]),  rows<T>(x[1]),      rows<T>(x[6]),      rows<T>(x[3]),
          rows<T>(x[4]),  x[2].data_ptr<T>(), x[5].data_ptr<T>(), data_or_null<T>(x[7]),
          delta_softplus, x[0].size(0),       x[0].size(1),       x[0].size(2),
          x[2].size(1)};
}

// x itself when its rows are contiguous (the kernel reads them through the batch and time
// strides), else a contiguous copy.
torch::Tensor rows_contiguous(const torch::Tensor& x) {
  return !x.defined() || x.size(-1) <= 1 || x.stride(-1) == 1 ? x : x.contiguous();
}

void check_inputs(const char* fn, const torch::Tensor& u, const torch::Tensor& delta,
                  const torch::Tensor& A, const torch::Tensor& Bm, const torch::Tensor& Cm,
                  const torch::Tensor& D, const torch::Tensor& z, const torch::Tensor& delta_bias) {
  TORCH_CHECK(u.dim() == 3, fn, ": u must be (B, L, Di), got ", u.sizes());
  const int64_t B = u.size(0), L = u.size(1), Di = u.size(2);
  TORCH_CHECK(L >= 1, fn, ": needs at least one time step, got u ", u.sizes());
  TORCH_CHECK(A.dim() == 2 && A.size(0) == Di, fn, ": A must be (Di=", Di, ", N), got ", A.sizes());
  const int64_t N = A.size(1);
  TORCH_CHECK(delta.sizes() == u.sizes(), fn, ": delta must be (B, L, Di) = ", u.sizes(), ", got ",
              delta.sizes());
  TORCH_CHECK(Bm.sizes() == c10::IntArrayRef({B, L, N}), fn, ": Bm must be (B, L, N) = (", B, ", ",
              L, ", ", N, "), got ", Bm.sizes());
  TORCH_CHECK(Cm.sizes() == Bm.sizes(), fn, ": Cm must be (B, L, N) = ", Bm.sizes(), ", got ",
              Cm.sizes());
  TORCH_CHECK(D.dim() == 1 && D.size(0) == Di, fn, ": D must be (Di=", Di, "), got ", D.sizes());
  TORCH_CHECK(!z.defined() || z.sizes() == u.sizes(), fn, ": z must be (B, L, Di) = ", u.sizes(),
              ", got ", z.sizes());
  TORCH_CHECK(!delta_bias.defined() || (delta_bias.dim() == 1 && delta_bias.size(0) == Di), fn,
              ": delta_bias must be (Di=", Di, "), got ", delta_bias.sizes());
  TORCH_CHECK(u.scalar_type() == torch::kFloat || u.scalar_type() == torch::kDouble, fn,
              ": float32 or float64 only, got ", u.scalar_type());
  for (const auto* x : {&delta, &A, &Bm, &Cm, &D, &z, &delta_bias})
    TORCH_CHECK(!x->defined() || x->scalar_type() == u.scalar_type(), fn, ": all inputs must be ",
                u.scalar_type(), ", got ", x->scalar_type());
}

// Absent inputs travel through autograd as empty optionals (it rejects undefined tensors).
c10::optional<torch::Tensor> optional(const torch::Tensor& x) {
  return x.defined() ? c10::optional<torch::Tensor>(x) : c10::nullopt;
}

struct SelectiveScanFunction : torch::autograd::Function<SelectiveScanFunction> {
  // Inputs are checked, on the CPU, with contiguous rows (u, delta, Bm, Cm, z) or contiguous.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& u,
                               const torch::Tensor& delta, const torch::Tensor& A,
                               const torch::Tensor& Bm, const torch::Tensor& Cm,
                               const torch::Tensor& D,
                               const c10::optional<torch::Tensor>& z_or_none,
                               const c10::optional<torch::Tensor>& bias_or_none,
                               bool delta_softplus) {
    const auto z = z_or_none.value_or(torch::Tensor());
    const auto delta_bias = bias_or_none.value_or(torch::Tensor());
    const int64_t B = u.size(0), L = u.size(1), Di = u.size(2), N = A.size(1);
    auto out = torch::empty({B, L, Di}, u.options());  // (B, L, Di)
    auto chunk_states = torch::empty({selective_scan_chunk_states(B, L, Di, N)}, u.options());  // (B, n_chunks, N, Di)
    AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "selective_scan_forward", [&] {
      selective_scan_forward(views<scalar_t>({u, delta, A, Bm, Cm, D, z, delta_bias}, delta_softplus),
                             out.data_ptr<scalar_t>(), chunk_states.data_ptr<scalar_t>());
    });
    ctx->save_for_backward({u, delta, A, Bm, Cm, D, z, delta_bias, chunk_states});
    ctx->saved_data["delta_softplus"] = delta_softplus;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const torch::autograd::variable_list x(saved.begin(), saved.begin() + 8);
    const auto &u = x[0], &A = x[2], &z = x[6], &delta_bias = x[7], &chunk_states = saved[8];
    const bool delta_softplus = ctx->saved_data["delta_softplus"].toBool();
    const auto dout = rows_contiguous(grad_outputs[0]);  // (B, L, Di)
    const int64_t B = u.size(0), L = u.size(1), Di = u.size(2), N = A.size(1);
    const auto opts = u.options();
    auto du = torch::empty({B, L, Di}, opts), ddelta = torch::empty({B, L, Di}, opts);
    auto dz = z.defined() ? torch::empty({B, L, Di}, opts) : torch::Tensor();
    auto dA = torch::empty({Di, N}, opts), dD = torch::empty({Di}, opts);
    auto dBm = torch::empty({B, L, N}, opts), dCm = torch::empty({B, L, N}, opts);
    auto dbias = delta_bias.defined() ? torch::empty({Di}, opts) : torch::Tensor();
    auto workspace = torch::empty({selective_scan_backward_workspace(B, L, Di, N)}, opts);
    AT_DISPATCH_FLOATING_TYPES(u.scalar_type(), "selective_scan_backward", [&] {
      using T = scalar_t;
      const auto out_rows = [](const torch::Tensor& g) {
        return g.defined() ? MutableRows<T>{g.data_ptr<T>(), g.stride(0), g.stride(1)} : MutableRows<T>{};
      };
      const ScanGradients<T> grads{out_rows(du),      out_rows(ddelta),   out_rows(dz),
                                   out_rows(dBm),     out_rows(dCm),      dA.data_ptr<T>(),
                                   dD.data_ptr<T>(),  data_or_null<T>(dbias)};
      selective_scan_backward(views<T>(x, delta_softplus), chunk_states.data_ptr<T>(), rows<T>(dout), grads,
                              workspace.data_ptr<T>());
    });
    return {du, ddelta, dA, dBm, dCm, dD, dz, dbias, torch::Tensor()};
  }
};

}  // namespace

int64_t selective_scan_chunk_states(int64_t B, int64_t L, int64_t Di, int64_t N) {
  return B * ((L + kChunk - 1) / kChunk) * N * Di;
}

int64_t selective_scan_backward_workspace(int64_t B, int64_t L, int64_t Di, int64_t N) {
  const int64_t n_strips = (Di + kStrip - 1) / kStrip;
  return B * Di * N + 2 * B * Di + 2 * n_strips * B * L * N;
}

template <typename T>
void selective_scan_forward(const ScanInputs<T>& in, T* out /* (B, L, Di) */,
                            T* chunk_states /* (B, n_chunks, N, Di) */) {
  scan_forward(in, out, chunk_states);
}

// Workspace: the per-batch dA, dD, d(delta_bias) partials and the per-strip dB, dC partials,
// summed in a fixed order into the gradients.
template <typename T>
void selective_scan_backward(const ScanInputs<T>& in, const T* chunk_states, const Rows<T>& dout,
                             const ScanGradients<T>& g, T* workspace) {
  const int64_t B = in.B, L = in.L, Di = in.Di, N = in.N, n_strips = in.n_strips();
  T* dA_parts = workspace;                   // (B, Di, N)
  T* dD_parts = dA_parts + B * Di * N;       // (B, Di)
  T* dbias_parts = dD_parts + B * Di;        // (B, Di)
  T* dB_parts = dbias_parts + B * Di;        // (n_strips, B, L, N)
  T* dC_parts = dB_parts + n_strips * B * L * N;  // (n_strips, B, L, N)
  const ScanGrads<T> parts{g.du,     g.ddelta, g.dz, dA_parts, dD_parts, g.dbias ? dbias_parts : nullptr,
                           dB_parts, dC_parts};
  scan_backward(in, chunk_states, dout, parts);
  sum_parts(dA_parts, B, Di * N, g.dA);
  sum_parts(dD_parts, B, Di, g.dD);
  if (g.dbias) sum_parts(dbias_parts, B, Di, g.dbias);
  sum_parts_into_rows(dB_parts, n_strips, B, L, N, g.dB);
  sum_parts_into_rows(dC_parts, n_strips, B, L, N, g.dC);
}

template void selective_scan_forward<float>(const ScanInputs<float>&, float*, float*);
template void selective_scan_forward<double>(const ScanInputs<double>&, double*, double*);
template void selective_scan_backward<float>(const ScanInputs<float>&, const float*, const Rows<float>&,
                                             const ScanGradients<float>&, float*);
template void selective_scan_backward<double>(const ScanInputs<double>&, const double*, const Rows<double>&,
                                              const ScanGradients<double>&, double*);

torch::Tensor selective_scan_fused(const torch::Tensor& u, const torch::Tensor& delta,
                                   const torch::Tensor& A, const torch::Tensor& Bm,
                                   const torch::Tensor& Cm, const torch::Tensor& D,
                                   const torch::Tensor& z, const torch::Tensor& delta_bias,
                                   bool delta_softplus) {
  check_inputs("selective_scan_fused", u, delta, A, Bm, Cm, D, z, delta_bias);
  for (const auto* x : {&u, &delta, &A, &Bm, &Cm, &D, &z, &delta_bias})
    TORCH_CHECK(!x->defined() || x->device().is_cpu(),
                "selective_scan_fused: CPU tensors only, got ", x->device());
  return SelectiveScanFunction::apply(
      rows_contiguous(u), rows_contiguous(delta), A.contiguous(), rows_contiguous(Bm),
      rows_contiguous(Cm), D.contiguous(), optional(rows_contiguous(z)),
      optional(delta_bias.defined() ? delta_bias.contiguous() : delta_bias), delta_softplus);
}

// Mamba's selective_scan_ref: the (B, L, Di, N) decays and drives are built at once, the
// recurrence runs over the unbound time axis, and the outputs are stacked back.
torch::Tensor selective_scan_reference(const torch::Tensor& u, const torch::Tensor& delta,
                                       const torch::Tensor& A, const torch::Tensor& Bm,
                                       const torch::Tensor& Cm, const torch::Tensor& D,
                                       const torch::Tensor& z, const torch::Tensor& delta_bias,
                                       bool delta_softplus) {
  check_inputs("selective_scan_reference", u, delta, A, Bm, Cm, D, z, delta_bias);
  auto dt = delta_bias.defined() ? delta + delta_bias : delta;            // (B, L, Di)
  if (delta_softplus) dt = torch::softplus(dt);                           // threshold 20
  const auto decay = torch::exp(dt.unsqueeze(-1) * A);                    // (B, L, Di, N)
  const auto drive = (dt * u).unsqueeze(-1) * Bm.unsqueeze(2);            // (B, L, Di, N)
  const auto decays = decay.unbind(1), drives = drive.unbind(1);          // L × (B, Di, N)
  const auto Cs = Cm.unsqueeze(2).unbind(1);                              // L × (B, 1, N)
  auto h = torch::zeros({u.size(0), u.size(2), A.size(1)}, u.options());  // (B, Di, N)
  std::vector<torch::Tensor> ys;
  ys.reserve(decays.size());
  for (size_t t = 0; t < decays.size(); ++t) {
    h = decays[t] * h + drives[t];
    ys.push_back((h * Cs[t]).sum(-1));  // (B, Di)
  }
  const auto y = torch::stack(ys, 1) + u * D;  // (B, L, Di)
  return z.defined() ? y * torch::silu(z) : y;
}

torch::Tensor selective_scan(const torch::Tensor& u, const torch::Tensor& delta,
                             const torch::Tensor& A, const torch::Tensor& Bm,
                             const torch::Tensor& Cm, const torch::Tensor& D,
                             const torch::Tensor& z, const torch::Tensor& delta_bias,
                             bool delta_softplus) {
  return fused() ? selective_scan_fused(u, delta, A, Bm, Cm, D, z, delta_bias, delta_softplus)
                 : selective_scan_reference(u, delta, A, Bm, Cm, D, z, delta_bias, delta_softplus);
}

}  // namespace fl::kernels
