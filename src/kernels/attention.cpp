// Fused causal attention (kernels/attention.h): checks, the forward kernel, the autograd Function
// and the libtorch reference. The backward kernel is in attention_backward.cpp, the micro-kernels
// in attention_tiles.h.
#include "kernels/attention.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/attention_tiles.h"
#include "kernels/kernel_mode.h"
#include "kernels/rope.h"

namespace fl::kernels {
namespace {

using namespace attention_detail;

std::atomic<AttentionSimd> simd_choice{AttentionSimd::kWidest};

// ---------------------------------------------------------------------------------------------
// Forward kernel

// Raw views of the forward's inputs and outputs; rows of qkv at qkv + b·stride_b + t·stride_l.
template <typename T>
struct ForwardArgs {
  Geometry g;
  const T* qkv;  // (B, L, 3D), rows strided
  int64_t stride_b, stride_l;
  Rotation<T> rotation;
  T* out;  // (B, L, D)
  T* lse;  // (B, H, L)
};

// One thread's buffers: packed operands (a key tile stays packed for the next query block of
// the same head) and one query block's running softmax state.
template <typename T>
struct ForwardScratch {
  explicit ForwardScratch(const Geometry& g)
      : q(g.L * g.hdp),
        k(g.padded_L() * g.hdp),
        kt(g.n_tiles() * g.hd * kKeyTile),
        v(g.padded_L() * g.hdp),
        tile_head(g.n_tiles(), -1),
        acc(kQueryBlock * g.hdp),
        m(kQueryBlock),
        l(kQueryBlock),
        s(kRows * kKeyTile) {}
  std::vector<T> q;                  // (L, hdp)                  q̃ / √hd
  std::vector<T> k;                  // (L', hdp)                 k̃, staged for kt
  std::vector<T> kt;                 // (n_tiles, hd, kKeyTile)   k̃ transposed per key tile
  std::vector<T> v;                  // (L', hdp)                 v, zero rows past L
  std::vector<int64_t> tile_head;    // (n_tiles)                 the head (b·H + h) packed in each key tile, or -1
  std::vector<T> acc;                // (kQueryBlock, hdp)        Σ_j exp(s_ij − m_i) v_j
  std::vector<T> m;                  // (kQueryBlock)             running max of the scores
  std::vector<T> l;                  // (kQueryBlock)             Σ_j exp(s_ij − m_i)
  std::vector<T> s;                  // (kRows, kKeyTile)         scores, then p, of one register block
};

// Packs the query rows [q0, q1) of head bh and those of its key tiles [tile_begin, tile_end)
// that are not packed yet.
template <typename T>
void pack_block(const ForwardArgs<T>& a, int64_t bh, int64_t q0, int64_t q1, int64_t tile_begin, int64_t tile_end,
                ForwardScratch<T>& w) {
  const Geometry& g = a.g;
  const T* row0 = a.qkv + (bh / g.H) * a.stride_b + (bh % g.H) * g.hd;
  const T scale = T(1 / std::sqrt(static_cast<double>(g.hd)));
  pack_rows(row0, a.stride_l, q0, q1, g.hd, g.hdp, a.rotation, scale, w.q.data());
  for (int64_t tile = tile_begin; tile < tile_end; ++tile) {
    if (w.tile_head[tile] == bh) continue;
    const int64_t k0 = tile * kKeyTile, k1 = std::min(g.L, k0 + kKeyTile);
    pack_rows(row0 + g.D, a.stride_l, k0, k1, g.hd, g.hdp, a.rotation, T(1), w.k.data());
    transpose_tiles(w.k.data(), g.L, g.hd, g.hdp, tile, tile + 1, w.kt.data());
    pack_rows(row0 + 2 * g.D, a.stride_l, k0, k1, g.hd, g.hdp, Rotation<T>{}, T(1), w.v.data());
    std::fill(w.v.begin() + k1 * g.hdp, w.v.begin() + (k0 + kKeyTile) * g.hdp, T(0));
    w.tile_head[tile] = bh;
  }
}

// Query rows [q0, q1) of head bh: online softmax over the key tiles they see; o rows and lse
// written at the end.
template <class Ops>
void attend_block(const ForwardArgs<typename Ops::Scalar>& a, int64_t bh, int64_t q0, int64_t q1,
                  ForwardScratch<typename Ops::Scalar>& w) {
  using T = typename Ops::Scalar;
  const Geometry g = a.g.of_head(bh % a.g.H);
  const int64_t hd = g.hd, hdp = g.hdp, rows = q1 - q0;
  const int64_t tile_begin = g.first_key(q0) / kKeyTile, tile_end = (q1 - 1) / kKeyTile + 1;
  pack_block(a, bh, q0, q1, tile_begin, tile_end, w);
  T *acc = w.acc.data(), *m = w.m.data(), *l = w.l.data(), *s = w.s.data();
  std::fill(acc, acc + rows * hdp, T(0));
  std::fill(m, m + rows, -std::numeric_limits<T>::infinity());
  std::fill(l, l + rows, T(0));
  for (int64_t tile = tile_begin; tile < tile_end; ++tile) {
    const int64_t k0 = tile * kKeyTile, kend = std::min(k0 + kKeyTile, g.L);
    for (int64_t i0 = q0; i0 < q1; i0 += kRows) {
      const int64_t n = std::min<int64_t>(kRows, q1 - i0), r0 = i0 - q0;
      const Span cols = block_columns(g, k0, kend, i0, n, Ops::W);
      if (cols.empty()) continue;
      with_rows(n, [&](auto rows_constant) {
        constexpr int R = decltype(rows_constant)::value;
        tile_scores<Ops, R>(w.q.data() + i0 * hdp, hdp, w.kt.data() + tile * hd * kKeyTile, hd, cols, s);
        online_softmax_rows<R>(g, k0, kend, i0, cols, s, m + r0, l + r0, acc + r0 * hdp, hdp);
        accumulate_rows<Ops, R>(s + cols.begin, kKeyTile, 1, w.v.data() + (k0 + cols.begin) * hdp, hdp,
                                cols.end - cols.begin, acc + r0 * hdp, hdp, hdp);
      });
    }
  }
  const int64_t b = bh / g.H, h = bh % g.H;
  for (int64_t r = 0; r < rows; ++r) {
    const T inv_l = T(1) / l[r];
    T* o = a.out + (b * g.L + q0 + r) * g.D + h * hd;
#pragma omp simd
    for (int64_t c = 0; c < hd; ++c) o[c] = acc[r * hdp + c] * inv_l;
    a.lse[bh * g.L + q0 + r] = m[r] + std::log(l[r]);
  }
}

// Work units (b, h, block of kQueryBlock query rows).
template <class Ops>
void attention_forward(const ForwardArgs<typename Ops::Scalar>& a) {
  const Geometry& g = a.g;
  const int64_t n_blocks = (g.L + kQueryBlock - 1) / kQueryBlock;
  const int64_t keys = std::min(g.L, g.W > 0 ? g.W : g.L);
  const bool zigzag = keys == g.L;
  at::parallel_for(0, g.B * g.H * n_blocks, grain(4 * kQueryBlock * keys * g.hd), [&](int64_t begin, int64_t end) {
    ForwardScratch<typename Ops::Scalar> scratch(g);
    for (int64_t unit = begin; unit < end; ++unit) {
      // Full causal: a head's blocks alternate from both ends of the sequence (0, n-1, 1, n-2, …),
      // so that a range of units holds about as many cheap early blocks as costly late ones.
      // Windowed: blocks cost about the same; in order, each reuses its predecessor's key tiles.
      const int64_t bh = unit / n_blocks, j = unit % n_blocks;
      const int64_t block = !zigzag ? j : j % 2 == 0 ? j / 2 : n_blocks - 1 - j / 2;
      attend_block<Ops>(a, bh, block * kQueryBlock, std::min((block + 1) * kQueryBlock, g.L), scratch);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Checks and geometry

void check_inputs(const char* fn, const torch::Tensor& qkv, int64_t n_head, const AttentionPositions& p) {
  TORCH_CHECK(qkv.dim() == 3, fn, ": qkv must be (B, L, 3D), got ", qkv.sizes());
  TORCH_CHECK(n_head >= 1, fn, ": n_head must be ≥ 1, got ", n_head);
  TORCH_CHECK(qkv.size(2) > 0 && qkv.size(2) % (3 * n_head) == 0, fn, ": qkv must be (B, L, 3D) with D divisible by ",
              "n_head = ", n_head, ", got ", qkv.sizes());
  TORCH_CHECK(qkv.size(1) >= 1, fn, ": needs at least one position, got qkv ", qkv.sizes());
  TORCH_CHECK(p.window >= 0, fn, ": window must be ≥ 0 (0 = full causal), got ", p.window);
  TORCH_CHECK(std::isfinite(p.rope_base) && p.rope_base >= 0, fn,
              ": rope_base must be > 0 (RoPE) or 0 (none), got ", p.rope_base);
  const int64_t hd = qkv.size(2) / (3 * n_head);
  TORCH_CHECK(p.rope_base == 0 || hd % 2 == 0, fn, ": RoPE needs an even head dimension, got hd = ", hd);
  TORCH_CHECK(p.slopes.empty() || static_cast<int64_t>(p.slopes.size()) == n_head, fn,
              ": slopes must be empty or one per head (", n_head, "), got ", p.slopes.size());
  TORCH_CHECK(std::all_of(p.slopes.begin(), p.slopes.end(), [](double m) { return std::isfinite(m); }), fn,
              ": slopes must be finite");
  TORCH_CHECK(p.head_windows.empty() || static_cast<int64_t>(p.head_windows.size()) == n_head, fn,
              ": head_windows must be empty or one per head (", n_head, "), got ", p.head_windows.size());
  TORCH_CHECK(std::all_of(p.head_windows.begin(), p.head_windows.end(), [](int64_t w) { return w >= 0; }), fn,
              ": head_windows must be ≥ 0 (0 = unlimited)");
  TORCH_CHECK(qkv.scalar_type() == torch::kFloat || qkv.scalar_type() == torch::kDouble, fn,
              ": float32 or float64 only, got ", qkv.scalar_type());
  TORCH_CHECK(qkv.device().is_cpu(), fn, ": CPU tensors only, got ", qkv.device());
}

template <typename T>
Geometry geometry(const AttentionArgs<T>& a, AttentionSimd simd) {
  const int64_t hd = a.D / a.H, width = simd_width<T>(simd);
  return {a.B, a.L, a.H, hd, a.D, a.W, (hd + width - 1) / width * width, a.cos != nullptr, a.slopes, a.head_windows};
}

template <typename T>
AttentionArgs<T> args_of(const torch::Tensor& qkv, int64_t n_head, const AttentionPositions& p,
                         const std::pair<torch::Tensor, torch::Tensor>& tables) {
  const bool rope = tables.first.defined();
  return {qkv.data_ptr<T>(), qkv.stride(0), qkv.stride(1), qkv.size(0), qkv.size(1), qkv.size(2) / 3, n_head, p.window,
          rope ? tables.first.data_ptr<T>() : nullptr, rope ? tables.second.data_ptr<T>() : nullptr,
          p.slopes.empty() ? nullptr : p.slopes.data(), p.head_windows.empty() ? nullptr : p.head_windows.data()};
}

// cos and sin (L, hd/2) of the rotation, or undefined tensors without RoPE.
std::pair<torch::Tensor, torch::Tensor> rotation_tables(const torch::Tensor& qkv, int64_t n_head, double rope_base) {
  if (rope_base <= 0) return {};
  auto [cos, sin] = rope_cos_sin(0, qkv.size(1), qkv.size(2) / (3 * n_head), rope_base, qkv.scalar_type());
  return {cos.contiguous(), sin.contiguous()};
}

// ---------------------------------------------------------------------------------------------
// Autograd Function

struct CausalAttentionFunction : torch::autograd::Function<CausalAttentionFunction> {
  // qkv is checked, on the CPU, with a contiguous last dim.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& qkv, int64_t n_head,
                               const AttentionPositions& positions) {
    const AttentionSimd simd = simd_choice.load();
    const auto opts = qkv.options();
    const auto tables = rotation_tables(qkv, n_head, positions.rope_base);  // (L, hd/2) each
    const int64_t B = qkv.size(0), L = qkv.size(1), D = qkv.size(2) / 3;
    auto out = torch::empty({B, L, D}, opts);
    auto lse = torch::empty({B, n_head, L}, opts);
    AT_DISPATCH_FLOATING_TYPES(qkv.scalar_type(), "causal_attention_forward", [&] {
      using T = scalar_t;
      causal_attention_forward(args_of<T>(qkv, n_head, positions, tables), out.data_ptr<T>(), lse.data_ptr<T>(), simd);
    });
    ctx->save_for_backward({qkv, out, lse, tables.first, tables.second});
    ctx->saved_data["n_head"] = n_head;
    ctx->saved_data["window"] = positions.window;
    ctx->saved_data["slopes"] = positions.slopes;
    ctx->saved_data["head_windows"] = positions.head_windows;
    ctx->saved_data["simd"] = static_cast<int64_t>(simd);
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto &qkv = saved[0], &out = saved[1], &lse = saved[2];
    const std::pair<torch::Tensor, torch::Tensor> tables{saved[3], saved[4]};  // (L, hd/2) each, or undefined
    const auto simd = static_cast<AttentionSimd>(ctx->saved_data["simd"].toInt());
    const int64_t n_head = ctx->saved_data["n_head"].toInt();
    AttentionPositions positions;  // rope_base is not read: the tables carry the rotation
    positions.window = ctx->saved_data["window"].toInt();
    positions.slopes = ctx->saved_data["slopes"].toDoubleVector();
    positions.head_windows = ctx->saved_data["head_windows"].toIntVector();
    const auto dout = grad_outputs[0].contiguous();  // (B, L, D)
    auto dqkv = torch::empty({qkv.size(0), qkv.size(1), qkv.size(2)}, qkv.options());
    AT_DISPATCH_FLOATING_TYPES(qkv.scalar_type(), "causal_attention_backward", [&] {
      using T = scalar_t;
      causal_attention_backward(args_of<T>(qkv, n_head, positions, tables), out.data_ptr<T>(), lse.data_ptr<T>(),
                                dout.data_ptr<T>(), dqkv.data_ptr<T>(), simd);
    });
    return {dqkv, torch::Tensor(), torch::Tensor()};
  }
};

// ---------------------------------------------------------------------------------------------
// Reference

// q, k, v (B, H, L, hd), q and k rotated when rope_base > 0.
std::array<torch::Tensor, 3> split_heads(const torch::Tensor& qkv, int64_t n_head, double rope_base) {
  const int64_t B = qkv.size(0), L = qkv.size(1), hd = qkv.size(2) / (3 * n_head);
  auto heads = qkv.reshape({B, L, 3, n_head, hd}).permute({2, 0, 3, 1, 4});  // (3, B, H, L, hd)
  auto q = heads[0], k = heads[1], v = heads[2];
  if (rope_base > 0) q = apply_rope(q, 0, rope_base), k = apply_rope(k, 0, rope_base);
  return {q, k, v};
}

// Masked, biased softmax of q kᵀ / √hd: (B, H, L, L).
torch::Tensor masked_probabilities(const torch::Tensor& q, const torch::Tensor& k, const AttentionPositions& p) {
  const int64_t L = q.size(2);
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(3)));  // (B, H, L, L)
  const auto distance = torch::arange(L).unsqueeze(1) - torch::arange(L).unsqueeze(0);  // (L, L) i − j
  return torch::softmax(scores + score_bias(p, q.size(1), distance, scores.scalar_type()), -1);
}

}  // namespace

AttentionSimd attention_simd() { return simd_choice.load(); }

template <typename T>
void causal_attention_forward(const AttentionArgs<T>& args, T* out, T* lse, AttentionSimd simd) {
  const ForwardArgs<T> a{geometry(args, simd), args.qkv, args.stride_b, args.stride_l, {args.cos, args.sin}, out, lse};
  with_ops<T>(simd, [&](auto ops) { attention_forward<decltype(ops)>(a); });
}

template <typename T>
void causal_attention_backward(const AttentionArgs<T>& args, const T* out, const T* lse, const T* dout, T* dqkv,
                               AttentionSimd simd) {
  const BackwardArgs<T> a{geometry(args, simd), args.qkv, args.stride_b, args.stride_l, out, lse, dout,
                          {args.cos, args.sin}, dqkv};
  attention_backward(a, simd);
}

template void causal_attention_forward<float>(const AttentionArgs<float>&, float*, float*, AttentionSimd);
template void causal_attention_forward<double>(const AttentionArgs<double>&, double*, double*, AttentionSimd);
template void causal_attention_backward<float>(const AttentionArgs<float>&, const float*, const float*, const float*,
                                               float*, AttentionSimd);
template void causal_attention_backward<double>(const AttentionArgs<double>&, const double*, const double*,
                                                const double*, double*, AttentionSimd);

AttentionSimdGuard::AttentionSimdGuard(AttentionSimd simd) : previous_(simd_choice.exchange(simd)) {}
AttentionSimdGuard::~AttentionSimdGuard() { simd_choice.store(previous_); }

torch::Tensor causal_attention(const torch::Tensor& qkv, int64_t n_head, const AttentionPositions& positions) {
  return fused() ? causal_attention_fused(qkv, n_head, positions) : causal_attention_reference(qkv, n_head, positions);
}

torch::Tensor causal_attention_fused(const torch::Tensor& qkv, int64_t n_head, const AttentionPositions& positions) {
  check_inputs("causal_attention_fused", qkv, n_head, positions);
  return CausalAttentionFunction::apply(qkv.stride(2) == 1 ? qkv : qkv.contiguous(), n_head, positions);
}

torch::Tensor causal_attention_reference(const torch::Tensor& qkv, int64_t n_head,
                                         const AttentionPositions& positions) {
  check_inputs("causal_attention_reference", qkv, n_head, positions);
  auto [q, k, v] = split_heads(qkv, n_head, positions.rope_base);
  auto y = torch::matmul(masked_probabilities(q, k, positions), v);  // (B, H, L, hd)
  return y.transpose(1, 2).reshape({qkv.size(0), qkv.size(1), qkv.size(2) / 3});
}

torch::Tensor attention_probabilities(const torch::Tensor& qkv, int64_t n_head, const AttentionPositions& positions) {
  check_inputs("attention_probabilities", qkv, n_head, positions);
  auto [q, k, v] = split_heads(qkv, n_head, positions.rope_base);
  return masked_probabilities(q, k, positions);
}

torch::Tensor score_bias(const AttentionPositions& p, int64_t n_head, const torch::Tensor& distance,
                         torch::Dtype dtype) {
  std::vector<int64_t> reach(n_head);
  for (int64_t h = 0; h < n_head; ++h) reach[h] = p.reach(h);
  std::vector<int64_t> per_head(distance.dim() + 1, 1);  // (H, 1, …): broadcast against d
  per_head[0] = n_head;
  const auto r = torch::tensor(reach).view(per_head), d = distance.unsqueeze(0);                 // (H, 1…), (1, S)
  const auto hidden = (d < 0) | ((r > 0) & (d >= r));                                             // (H, S)
  auto bias = torch::zeros(hidden.sizes(), dtype);
  if (!p.slopes.empty()) bias = bias - torch::tensor(p.slopes).to(dtype).view(per_head) * d.to(dtype);
  return bias.masked_fill(hidden, -std::numeric_limits<double>::infinity());
}

}  // namespace fl::kernels
