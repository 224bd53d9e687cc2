// Fused causal depthwise conv1d + bias + SiLU (docs/SOURCES.md §1) with a hand-written backward, and
// its libtorch reference. Math, shapes, memory and determinism: see causal_conv.h.
#include "kernels/causal_conv.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <vector>

#include "kernels/kernel_mode.h"
#include "kernels/parallel.h"
#include "kernels/vector_math.h"

namespace fl::kernels {
namespace {

// Channels per work unit: whole 1 KiB (float) row segments, which the hardware prefetcher
// streams better than shorter ones when x is the strided half of in_proj's output.
constexpr int64_t kChannelBlock = 256;
// Taps per pass over a time row (Mamba's K is 4); the passes below spell the four taps out.
constexpr int64_t kTapGroup = 4;

// Raw views of the inputs. x is read through its strides. The weight is transposed, so that the
// channels of one tap are contiguous, and padded in front with zero taps to Kp, a multiple of
// kTapGroup: the conv is the same, and every pass over a time row handles a full group of taps.
template <typename T>
struct ConvInputs {
  const T* x;       // (B, L, Di)   strides (x_batch_stride, x_time_stride, 1)
  const T* weight;  // (Kp, Di)     weight[k * Di + d] = w[d, k - (Kp - K)], 0 for k < Kp - K
  const T* bias;    // (Di)
  int64_t B, L, Di, Kp;
  int64_t x_batch_stride, x_time_stride;

  const T* x_row(int64_t b, int64_t t) const { return x + b * x_batch_stride + t * x_time_stride; }
  int64_t n_blocks() const { return (Di + kChannelBlock - 1) / kChannelBlock; }
};

int64_t padded_taps(int64_t K) { return (K + kTapGroup - 1) / kTapGroup * kTapGroup; }

// A (B, L, Di) output written row by row: row (b, t) at data + b·batch_stride + t·time_stride.
template <typename T>
struct StridedRows {
  T* data;
  int64_t batch_stride, time_stride;
  T* at(int64_t b, int64_t t) const { return data + b * batch_stride + t * time_stride; }
};

// One work unit: batch b, channels [d0, d0 + width).
struct Unit {
  int64_t b, d0, width;
};
template <typename T>
Unit unit_of(const ConvInputs<T>& in, int64_t index) {
  const int64_t b = index / in.n_blocks(), d0 = index % in.n_blocks() * kChannelBlock;
  return {b, d0, std::min(kChannelBlock, in.Di - d0)};
}

// The rows of kTapGroup consecutive taps: tap i is at time s = first_time + i, row_at(s) for
// s ≥ 0 and `outside` before the sequence starts (a zero row to read, a scratch row to write).
template <typename P, typename RowAt>
std::array<P, kTapGroup> tap_rows(int64_t first_time, RowAt row_at, P outside) {
  std::array<P, kTapGroup> rows;
  for (int64_t i = 0; i < kTapGroup; ++i)
    rows[i] = first_time + i >= 0 ? row_at(first_time + i) : outside;
  return rows;
}

// p = bias + Σ_k w[k] ⊙ x_{t-(Kp-1)+k} over the unit's channels, one pass per group of taps;
// the taps before t = 0 read `zeros`.
template <typename T>
void pre_activation(const ConvInputs<T>& in, const Unit& u, int64_t t, const T* zeros,
                    T* p /* (width) */) {
  const int64_t Di = in.Di;
  for (int64_t k0 = 0; k0 < in.Kp; k0 += kTapGroup) {
    const auto x = tap_rows(
        t - (in.Kp - 1) + k0, [&](int64_t s) { return in.x_row(u.b, s) + u.d0; }, zeros);
    const T* w = in.weight + k0 * Di + u.d0;  // (kTapGroup, width), row stride Di
    const T* start = k0 == 0 ? in.bias + u.d0 : p;
#pragma omp simd
    for (int64_t c = 0; c < u.width; ++c)
      p[c] = start[c] + w[c] * x[0][c] + w[Di + c] * x[1][c] + w[2 * Di + c] * x[2][c] +
             w[3 * Di + c] * x[3][c];
  }
}

// Per-thread rows of kChannelBlock: zeros (x before t = 0), discard (dx before t = 0), and a
// working row.
template <typename T>
struct ScratchRows {
  const std::vector<T> zeros = std::vector<T>(kChannelBlock, T(0));
  std::vector<T> discard = std::vector<T>(kChannelBlock);
  std::vector<T> work = std::vector<T>(kChannelBlock);
};

// Forward of one unit, t = 0 … L-1: y_t = SiLU(p_t), p_t built in y_t.
template <typename T>
void forward_unit(const ConvInputs<T>& in, const Unit& u, ScratchRows<T>& rows,
                  T* y /* (B, L, Di) */) {
  for (int64_t t = 0; t < in.L; ++t) {
    T* y_t = y + (u.b * in.L + t) * in.Di + u.d0;  // (width)
    pre_activation(in, u, t, rows.zeros.data(), y_t);
#pragma omp simd
    for (int64_t c = 0; c < u.width; ++c) y_t[c] = vsilu(y_t[c]);
  }
}

// Backward of one unit, t = 0 … L-1, with p_t recomputed:
//   g_t = dy_t ⊙ SiLU'(p_t);   dbias_b += g_t
//   for each tap k, at time s = t - (Kp-1) + k:   dw_b[k] += g_t ⊙ x_s;   dx_s += w[k] ⊙ g_t
// dx_t is zeroed when t is reached; the taps only add into rows s ≤ t. parts[b] holds dw_b in
// rows 0 … Kp-1 and dbias_b in row Kp; the unit owns its channels' columns of parts[b].
template <typename T>
void backward_unit(const ConvInputs<T>& in, const Unit& u, ScratchRows<T>& rows,
                   const T* dy /* (B, L, Di) */, const StridedRows<T>& dx /* (B, L, Di) */,
                   T* parts /* (B, Kp + 1, Di), zero-initialised */) {
  const int64_t L = in.L, Di = in.Di, Kp = in.Kp;
  T* dw_b = parts + u.b * (Kp + 1) * Di + u.d0;  // (Kp, width), row stride Di
  T* dbias_b = dw_b + Kp * Di;                   // (width)
  T* g = rows.work.data();                       // (width)  p_t, then g_t
  const auto x_row = [&](int64_t s) { return in.x_row(u.b, s) + u.d0; };
  const auto dx_row = [&](int64_t s) { return dx.at(u.b, s) + u.d0; };
  for (int64_t t = 0; t < L; ++t) {
    const T* dy_t = dy + (u.b * L + t) * Di + u.d0;  // (width)
    pre_activation(in, u, t, rows.zeros.data(), g);
#pragma omp simd
    for (int64_t c = 0; c < u.width; ++c) {
      g[c] = dy_t[c] * vsilu_derivative(g[c]);
      dbias_b[c] += g[c];
    }
    std::fill(dx_row(t), dx_row(t) + u.width, T(0));
    for (int64_t k0 = 0; k0 < Kp; k0 += kTapGroup) {
      const int64_t first_time = t - (Kp - 1) + k0;
      const auto x = tap_rows(first_time, x_row, rows.zeros.data());
      const auto dx_k = tap_rows(first_time, dx_row, rows.discard.data());
      const T* w = in.weight + k0 * Di + u.d0;  // (kTapGroup, width), row stride Di
      T* dw = dw_b + k0 * Di;                   // (kTapGroup, width), row stride Di
#pragma omp simd
      for (int64_t c = 0; c < u.width; ++c) {
        dw[c] += g[c] * x[0][c];
        dw[Di + c] += g[c] * x[1][c];
        dw[2 * Di + c] += g[c] * x[2][c];
        dw[3 * Di + c] += g[c] * x[3][c];
        dx_k[0][c] += w[c] * g[c];
        dx_k[1][c] += w[Di + c] * g[c];
        dx_k[2][c] += w[2 * Di + c] * g[c];
        dx_k[3][c] += w[3 * Di + c] * g[c];
      }
    }
  }
}

// f(unit, rows) for every (b, channel block), in parallel.
template <typename T, typename F>
void for_each_unit(const ConvInputs<T>& in, F f) {
  at::parallel_for(0, in.B * in.n_blocks(), grain(kChannelBlock * in.L * in.Kp),
                   [&](int64_t begin, int64_t end) {
                     ScratchRows<T> rows;
                     for (int64_t index = begin; index < end; ++index) f(unit_of(in, index), rows);
                   });
}

// Weight as (Di, K), from (Di, K) or conv1d's (Di, 1, K).
torch::Tensor weight_2d(const torch::Tensor& weight) {
  return weight.dim() == 3 ? weight.squeeze(1) : weight;
}

void check_inputs(const char* fn, const torch::Tensor& x, const torch::Tensor& weight,
                  const torch::Tensor& bias) {
  TORCH_CHECK(x.dim() == 3, fn, ": x must be (B, L, Di), got ", x.sizes());
  const int64_t Di = x.size(2);
  TORCH_CHECK((weight.dim() == 2 || (weight.dim() == 3 && weight.size(1) == 1)) &&
                  weight.size(0) == Di && weight.size(-1) >= 1,
              fn, ": weight must be (Di=", Di, ", K) or (Di=", Di, ", 1, K) with K ≥ 1, got ",
              weight.sizes());
  TORCH_CHECK(bias.dim() == 1 && bias.size(0) == Di, fn, ": bias must be (Di=", Di, "), got ",
              bias.sizes());
  TORCH_CHECK(x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble, fn,
              ": float32 or float64 only, got ", x.scalar_type());
  for (const auto* t : {&weight, &bias})
    TORCH_CHECK(t->scalar_type() == x.scalar_type(), fn, ": all inputs must be ", x.scalar_type(),
                ", got ", t->scalar_type());
}

// The kernel's view of `a`, its weight (Di, K) transposed into `padded` (Kp, Di) with Kp - K
// zero taps in front.
template <typename T>
ConvInputs<T> padded_inputs(const CausalConvArgs<T>& a, T* padded) {
  const int64_t Kp = padded_taps(a.K);
  std::fill(padded, padded + (Kp - a.K) * a.Di, T(0));
  for (int64_t k = 0; k < a.K; ++k)
    for (int64_t d = 0; d < a.Di; ++d) padded[(Kp - a.K + k) * a.Di + d] = a.weight[d * a.K + k];
  return {a.x, padded, a.bias, a.B, a.L, a.Di, Kp, a.x_batch_stride, a.x_time_stride};
}

template <typename T>
CausalConvArgs<T> args_of(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return {x.data_ptr<T>(), x.stride(0), x.stride(1), weight.data_ptr<T>(), bias.data_ptr<T>(),
          x.size(0),       x.size(1),   x.size(2),   weight.size(1)};
}

struct CausalConvSiluFunction : torch::autograd::Function<CausalConvSiluFunction> {
  // x has a unit channel stride; weight (Di, K) and bias are contiguous; all checked, on the CPU.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias) {
    auto y = torch::empty({x.size(0), x.size(1), x.size(2)}, x.options());  // (B, L, Di)
    auto workspace = torch::empty(
        {causal_conv1d_silu_workspace(x.size(0), x.size(2), weight.size(1), false)}, x.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "causal_conv1d_silu_forward", [&] {
      using T = scalar_t;
      causal_conv1d_silu_forward(args_of<T>(x, weight, bias), y.data_ptr<T>(), workspace.data_ptr<T>());
    });
    ctx->save_for_backward({x, weight, bias});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1], &bias = saved[2];
    const auto dy = grad_outputs[0].contiguous();  // (B, L, Di)
    const int64_t B = x.size(0), L = x.size(1), Di = x.size(2), K = weight.size(1);
    auto dx = torch::empty({B, L, Di}, x.options());       // (B, L, Di)
    auto dweight = torch::empty({Di, K}, x.options());     // (Di, K)
    auto dbias = torch::empty({Di}, x.options());          // (Di)
    auto workspace = torch::empty({causal_conv1d_silu_workspace(B, Di, K, true)}, x.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "causal_conv1d_silu_backward", [&] {
      using T = scalar_t;
      causal_conv1d_silu_backward(args_of<T>(x, weight, bias), dy.data_ptr<T>(), dx.data_ptr<T>(), L * Di, Di,
                                  dweight.data_ptr<T>(), dbias.data_ptr<T>(), workspace.data_ptr<T>());
    });
    return {dx, dweight, dbias};
  }
};

}  // namespace

int64_t causal_conv1d_silu_workspace(int64_t B, int64_t Di, int64_t K, bool backward) {
  const int64_t Kp = padded_taps(K);
  return Kp * Di + (backward ? (B + 1) * (Kp + 1) * Di : 0);
}

template <typename T>
void causal_conv1d_silu_forward(const CausalConvArgs<T>& a, T* y /* (B, L, Di) */, T* workspace) {
  const auto in = padded_inputs(a, workspace);
  for_each_unit(in, [&](const Unit& u, ScratchRows<T>& rows) { forward_unit(in, u, rows, y); });
}

// Workspace: the padded weight (Kp, Di), the per-batch partials (B, Kp + 1, Di) and their
// totals (Kp + 1, Di); the padding taps' rows of the totals are dropped.
template <typename T>
void causal_conv1d_silu_backward(const CausalConvArgs<T>& a, const T* dy /* (B, L, Di) */, T* dx,
                                 int64_t dx_batch_stride, int64_t dx_time_stride, T* dweight /* (Di, K) */,
                                 T* dbias /* (Di) */, T* workspace) {
  const auto in = padded_inputs(a, workspace);
  const int64_t Kp = in.Kp, Di = a.Di, K = a.K;
  T* parts = workspace + Kp * Di;              // (B, Kp + 1, Di)
  T* totals = parts + a.B * (Kp + 1) * Di;     // (Kp + 1, Di)
  std::fill(parts, totals, T(0));
  const StridedRows<T> dx_rows{dx, dx_batch_stride, dx_time_stride};
  for_each_unit(in, [&](const Unit& u, ScratchRows<T>& rows) { backward_unit(in, u, rows, dy, dx_rows, parts); });
  sum_parts(parts, a.B, (Kp + 1) * Di, totals);
  for (int64_t d = 0; d < Di; ++d) {
    for (int64_t k = 0; k < K; ++k) dweight[d * K + k] = totals[(Kp - K + k) * Di + d];
    dbias[d] = totals[Kp * Di + d];
  }
}

#define FL_CAUSAL_CONV_INSTANTIATE(T)                                                                    \
  template void causal_conv1d_silu_forward<T>(const CausalConvArgs<T>&, T*, T*);                         \
  template void causal_conv1d_silu_backward<T>(const CausalConvArgs<T>&, const T*, T*, int64_t, int64_t, T*, \
                                               T*, T*);
FL_CAUSAL_CONV_INSTANTIATE(float)
FL_CAUSAL_CONV_INSTANTIATE(double)
#undef FL_CAUSAL_CONV_INSTANTIATE

torch::Tensor causal_conv1d_silu(const torch::Tensor& x, const torch::Tensor& weight,
                                 const torch::Tensor& bias) {
  return fused() ? causal_conv1d_silu_fused(x, weight, bias)
                 : causal_conv1d_silu_reference(x, weight, bias);
}

torch::Tensor causal_conv1d_silu_fused(const torch::Tensor& x, const torch::Tensor& weight,
                                       const torch::Tensor& bias) {
  check_inputs("causal_conv1d_silu", x, weight, bias);
  for (const auto* t : {&x, &weight, &bias})
    TORCH_CHECK(t->device().is_cpu(), "causal_conv1d_silu: CPU tensors only, got ", t->device());
  return CausalConvSiluFunction::apply(x.stride(2) == 1 ? x : x.contiguous(),
                                       weight_2d(weight).contiguous(), bias.contiguous());
}

// Today's model code (pad, then K shifted multiply-adds over the time axis), then SiLU.
torch::Tensor causal_conv1d_silu_reference(const torch::Tensor& x, const torch::Tensor& weight,
                                           const torch::Tensor& bias) {
  check_inputs("causal_conv1d_silu_reference", x, weight, bias);
  namespace F = torch::nn::functional;
  const auto w = weight_2d(weight);  // (Di, K)
  const int64_t L = x.size(1), K = w.size(1);
  const auto padded = F::pad(x, F::PadFuncOptions({0, 0, K - 1, 0}));  // (B, L + K - 1, Di)
  auto p = bias + padded.narrow(1, 0, L) * w.select(1, 0);             // (B, L, Di)
  for (int64_t k = 1; k < K; ++k) p = p + padded.narrow(1, k, L) * w.select(1, k);
  return torch::silu(p);
}

}  // namespace fl::kernels
