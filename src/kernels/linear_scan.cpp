// Fused CPU gated linear scan (math, shapes, memory and determinism in linear_scan.h) with a
// hand-written backward, and its libtorch reference.
//
// Layout: all tensors are contiguous (B, L, H, X), so the row of (b, t, h) starts at
// ((b·L + t)·H + h)·X, and a work unit (b, h) reads rows H·X apart at successive steps. Its state
// is a (K, V) tile, row i the contribution of key channel i; every per-step operation runs along
// the V columns of a row (SIMD), one row at a time. The products with q_t (forward) and dy_t
// (backward) that sum along a row go through dot() below, whose order is fixed by the code alone.
#include "kernels/linear_scan.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/kernel_mode.h"
#include "kernels/parallel.h"
#include "kernels/vector_math.h"

namespace fl::kernels {
namespace {

// Raw views of the contiguous inputs.
template <typename T>
struct ScanArgs {
  const T* q;  // (B, L, H, K)
  const T* k;  // (B, L, H, K)
  const T* v;  // (B, L, H, V)
  const T* g;  // (B, L, H, G), null without decay
  int64_t B, L, H, K, V;
  int64_t G;  // 1 (per head) or K (per channel); 0 without decay
  // Index of the (b, t, h) row: its q, k row starts at row · K, its v, y row at row · V.
  int64_t row(int64_t b, int64_t t, int64_t h) const { return (b * L + t) * H + h; }
};

// alpha[i] = α_t[i] = exp(g_t[i]) of row r (1 without decay, g_t broadcast when G = 1).
template <typename T>
void decays(const ScanArgs<T>& a, int64_t r, T* alpha /* (K) */) {
  if (!a.g) {
    std::fill(alpha, alpha + a.K, T(1));
  } else if (a.G == 1) {
    std::fill(alpha, alpha + a.K, std::exp(a.g[r]));
  } else {
    for (int64_t i = 0; i < a.K; ++i) alpha[i] = std::exp(a.g[r * a.K + i]);
  }
}

// Σ_j x[j] y[j], in eight lanes (j mod 8) summed in lane order, then the tail j ≥ 8 ⌊n/8⌋.
template <typename T>
T dot(const T* x, const T* y, int64_t n) {
  using V8 = SimdVector<T, 8>;
  V8 lanes = {};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) lanes += simd_load<V8>(x + j) * simd_load<V8>(y + j);
  T sum = 0;
  for (int w = 0; w < 8; ++w) sum += lanes[w];
  for (; j < n; ++j) sum += x[j] * y[j];
  return sum;
}

// s = α_i s + k_i w over one state row (V); the step of S_t (forward) and of dS_t (backward, with
// α_{t+1}, q_t[i] and dy_t). Then out += c_i s when out is given: y_t (forward) or dv_t.
template <typename T>
inline void update_row(T* s, T alpha_i, T k_i, const T* w, T c_i, T* out, int64_t V) {
  if (out) {
#pragma omp simd
    for (int64_t j = 0; j < V; ++j) {
      s[j] = alpha_i * s[j] + k_i * w[j];
      out[j] += c_i * s[j];
    }
  } else {
#pragma omp simd
    for (int64_t j = 0; j < V; ++j) s[j] = alpha_i * s[j] + k_i * w[j];
  }
}

// Forward, per (b, h), sequential in t:  S = diag(α_t) S + k_t v_tᵀ;  y_t = Sᵀ q_t.
template <typename T>
void scan_forward(const ScanArgs<T>& a, T* y /* (B, L, H, V) */) {
  const int64_t L = a.L, H = a.H, K = a.K, V = a.V;
  at::parallel_for(0, a.B * H, grain(L * K * V), [&](int64_t begin, int64_t end) {
    std::vector<T> S(K * V), alpha(K);  // (K, V) state; (K) decays of one step
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t b = unit / H, h = unit % H;
      std::fill(S.begin(), S.end(), T(0));
      for (int64_t t = 0; t < L; ++t) {
        const int64_t r = a.row(b, t, h);
        const T *q_t = a.q + r * K, *k_t = a.k + r * K, *v_t = a.v + r * V;
        T* y_t = y + r * V;
        decays(a, r, alpha.data());
        std::fill(y_t, y_t + V, T(0));
        for (int64_t i = 0; i < K; ++i) update_row(&S[i * V], alpha[i], k_t[i], v_t, q_t[i], y_t, V);
      }
    }
  });
}

// Backward, per (b, h). Pass 1, forward in t: the states again, dq_t = S_t dy_t. Pass 2, backward
// in t, the scratch now holding dS: dS = diag(α_{t+1}) dS + q_t dy_tᵀ; dk_t = dS v_t;
// dv_t = dSᵀ k_t; and, when dg is wanted, the running sum over t' ≥ t of q_t' ⊙ dq_t' − k_t' ⊙ dk_t'
// (per channel), which is dg_t, or its sum over channels when G = 1.
template <typename T>
void scan_backward(const ScanArgs<T>& a, const T* dy /* (B, L, H, V) */, T* dq /* (B, L, H, K) */,
                   T* dk /* (B, L, H, K) */, T* dv /* (B, L, H, V) */,
                   T* dg /* (B, L, H, G), null when not wanted */) {
  const int64_t L = a.L, H = a.H, K = a.K, V = a.V;
  at::parallel_for(0, a.B * H, grain(L * K * V), [&](int64_t begin, int64_t end) {
    std::vector<T> S(K * V), alpha(K), acc(K);  // (K, V) S, then dS; (K) decays; (K) dg sums
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t b = unit / H, h = unit % H;
      // Pass 1: S_t and dq_t.
      std::fill(S.begin(), S.end(), T(0));
      for (int64_t t = 0; t < L; ++t) {
        const int64_t r = a.row(b, t, h);
        const T *k_t = a.k + r * K, *v_t = a.v + r * V, *dy_t = dy + r * V;
        T* dq_t = dq + r * K;
        decays(a, r, alpha.data());
        for (int64_t i = 0; i < K; ++i) {
          T* s = &S[i * V];
          update_row(s, alpha[i], k_t[i], v_t, T(0), static_cast<T*>(nullptr), V);
          dq_t[i] = dot(s, dy_t, V);
        }
      }
      // Pass 2: dS_t, dk_t, dv_t, dg_t.
      std::fill(S.begin(), S.end(), T(0));
      std::fill(acc.begin(), acc.end(), T(0));
      for (int64_t t = L - 1; t >= 0; --t) {
        const int64_t r = a.row(b, t, h);
        const T *q_t = a.q + r * K, *k_t = a.k + r * K, *v_t = a.v + r * V, *dy_t = dy + r * V;
        const T* dq_t = dq + r * K;
        T *dk_t = dk + r * K, *dv_t = dv + r * V;
        if (t + 1 < L)
          decays(a, a.row(b, t + 1, h), alpha.data());
        else
          std::fill(alpha.begin(), alpha.end(), T(1));  // dS after the last step is 0
        std::fill(dv_t, dv_t + V, T(0));
        for (int64_t i = 0; i < K; ++i) {
          T* ds = &S[i * V];
          update_row(ds, alpha[i], q_t[i], dy_t, k_t[i], dv_t, V);
          dk_t[i] = dot(ds, v_t, V);
        }
        if (!dg) continue;
        for (int64_t i = 0; i < K; ++i) acc[i] += q_t[i] * dq_t[i] - k_t[i] * dk_t[i];
        if (a.G == 1) {
          T sum = 0;
          for (int64_t i = 0; i < K; ++i) sum += acc[i];
          dg[r] = sum;
        } else {
          std::copy(acc.begin(), acc.end(), dg + r * K);
        }
      }
    }
  });
}

template <typename T>
ScanArgs<T> views(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                  const torch::Tensor& g) {
  return {q.data_ptr<T>(), k.data_ptr<T>(), v.data_ptr<T>(), g.defined() ? g.data_ptr<T>() : nullptr,
          q.size(0),       q.size(1),       q.size(2),       q.size(3),
          v.size(3),       g.defined() ? g.size(3) : 0};
}

void check_inputs(const char* fn, const torch::Tensor& q, const torch::Tensor& k,
                  const torch::Tensor& v, const torch::Tensor& g) {
  TORCH_CHECK(q.dim() == 4, fn, ": q must be (B, L, H, K), got ", q.sizes());
  const int64_t B = q.size(0), L = q.size(1), H = q.size(2), K = q.size(3);
  TORCH_CHECK(L >= 1, fn, ": needs at least one time step, got q ", q.sizes());
  TORCH_CHECK(k.sizes() == q.sizes(), fn, ": k must be (B, L, H, K) = q's ", q.sizes(), ", got ",
              k.sizes());
  TORCH_CHECK(v.dim() == 4 && v.size(0) == B && v.size(1) == L && v.size(2) == H, fn,
              ": v must be (B, L, H, V) with (B, L, H) = (", B, ", ", L, ", ", H, "), got ",
              v.sizes());
  TORCH_CHECK(!g.defined() || (g.dim() == 4 && g.size(0) == B && g.size(1) == L && g.size(2) == H &&
                               (g.size(3) == 1 || g.size(3) == K)),
              fn, ": log_decay must be (B, L, H, 1) or (B, L, H, K) = (", B, ", ", L, ", ", H, ", ",
              K, "), got ", g.sizes());
  TORCH_CHECK(q.scalar_type() == torch::kFloat || q.scalar_type() == torch::kDouble, fn,
              ": float32 or float64 only, got ", q.scalar_type());
  for (const auto* x : {&k, &v, &g})
    TORCH_CHECK(!x->defined() || x->scalar_type() == q.scalar_type(), fn, ": all inputs must be ",
                q.scalar_type(), ", got ", x->scalar_type());
}

struct LinearScanFunction : torch::autograd::Function<LinearScanFunction> {
  // Inputs are checked, contiguous, on the CPU. The absent decay travels as an empty optional
  // (autograd rejects undefined tensors).
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q,
                               const torch::Tensor& k, const torch::Tensor& v,
                               const c10::optional<torch::Tensor>& decay_or_none) {
    const auto g = decay_or_none.value_or(torch::Tensor());
    auto y = torch::empty({q.size(0), q.size(1), q.size(2), v.size(3)}, q.options());  // (B, L, H, V)
    AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "linear_scan_forward", [&] {
      scan_forward(views<scalar_t>(q, k, v, g), y.data_ptr<scalar_t>());
    });
    ctx->save_for_backward({q, k, v, g});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &g = saved[3];
    const auto dy = grad_outputs[0].contiguous();  // (B, L, H, V)
    auto dq = torch::empty(q.sizes(), q.options()), dk = torch::empty(k.sizes(), k.options());
    auto dv = torch::empty(v.sizes(), v.options());
    auto dg = g.defined() && ctx->needs_input_grad(3) ? torch::empty(g.sizes(), g.options())
                                                      : torch::Tensor();
    AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "linear_scan_backward", [&] {
      using T = scalar_t;
      scan_backward(views<T>(q, k, v, g), dy.data_ptr<T>(), dq.data_ptr<T>(), dk.data_ptr<T>(),
                    dv.data_ptr<T>(), dg.defined() ? dg.data_ptr<T>() : nullptr);
    });
    return {dq, dk, dv, dg};
  }
};

}  // namespace

torch::Tensor linear_scan_fused(const torch::Tensor& q, const torch::Tensor& k,
                                const torch::Tensor& v, const torch::Tensor& log_decay) {
  check_inputs("linear_scan_fused", q, k, v, log_decay);
  for (const auto* x : {&q, &k, &v, &log_decay})
    TORCH_CHECK(!x->defined() || x->device().is_cpu(), "linear_scan_fused: CPU tensors only, got ",
                x->device());
  return LinearScanFunction::apply(
      q.contiguous(), k.contiguous(), v.contiguous(),
      log_decay.defined() ? c10::optional<torch::Tensor>(log_decay.contiguous()) : c10::nullopt);
}

// The recurrence as written, one step of (B, H, K, V) tensor ops per t; the states stay in
// autograd's graph.
torch::Tensor linear_scan_reference(const torch::Tensor& q, const torch::Tensor& k,
                                    const torch::Tensor& v, const torch::Tensor& log_decay) {
  check_inputs("linear_scan_reference", q, k, v, log_decay);
  const auto qs = q.unbind(1), ks = k.unbind(1), vs = v.unbind(1);  // L × (B, H, K), (B, H, V)
  std::vector<torch::Tensor> alphas;                                 // L × (B, H, K or 1, 1)
  if (log_decay.defined()) alphas = torch::exp(log_decay).unsqueeze(-1).unbind(1);
  auto S = torch::zeros({q.size(0), q.size(2), q.size(3), v.size(3)}, q.options());  // (B, H, K, V)
  std::vector<torch::Tensor> ys;
  ys.reserve(qs.size());
  for (size_t t = 0; t < qs.size(); ++t) {
    const auto write = ks[t].unsqueeze(-1) * vs[t].unsqueeze(-2);  // (B, H, K, V)  k_t v_tᵀ
    S = alphas.empty() ? S + write : alphas[t] * S + write;
    ys.push_back((qs[t].unsqueeze(-1) * S).sum(-2));  // (B, H, V)  Σ_i q_t[i] S_t[i, :]
  }
  return torch::stack(ys, 1);  // (B, L, H, V)
}

torch::Tensor linear_scan(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          const torch::Tensor& log_decay) {
  return fused() ? linear_scan_fused(q, k, v, log_decay) : linear_scan_reference(q, k, v, log_decay);
}

}  // namespace fl::kernels
