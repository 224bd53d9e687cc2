#include "engine/transformer_layer.h"

#include <algorithm>

#include "kernels/attention.h"
#include "kernels/parallel.h"
#include "kernels/rope.h"
#include "kernels/vector_math.h"

namespace fl::engine {

namespace {

// g = GELU(f) and d = GELU'(f) over n values; d overwrites f.
template <typename T>
void gelu(T* f_then_d, int64_t n, T* g) {
  at::parallel_for(0, n, 4096, [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) kernels::vgelu_and_derivative(f_then_d[i], g[i], f_then_d[i]);
  });
}

// dg ⊙= d over n values.
template <typename T>
void multiply(const T* d, int64_t n, T* dg) {
  at::parallel_for(0, n, 4096, [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) dg[i] *= d[i];
  });
}

}  // namespace

template <typename T>
TransformerLayer<T>::TransformerLayer(FlatParameters<T>& params, const ModelConfig& c, int64_t index)
    : D_(c.d_model),
      H_(c.n_head),
      F_(c.mlp_ratio * c.d_model),
      positions_(c.attention_positions()) {
  const std::string p = "backbone.layers." + std::to_string(index) + ".";
  norm_ = NormOp<T>(params, p + "norm", c);
  norm2_ = NormOp<T>(params, p + "norm2", c);
  in_proj_ = Linear<T>(params, p + "mixer.in_proj", true);
  out_proj_ = Linear<T>(params, p + "mixer.out_proj", true);
  fc1_ = Linear<T>(params, p + "mlp.fc1", true);
  fc2_ = Linear<T>(params, p + "mlp.fc2", true);
}

template <typename T>
void TransformerLayer<T>::plan(Arena<T>& arena, int64_t B, int64_t L) {
  if (positions_.rope_base > 0 && L != L_) {
    const auto [cos, sin] = rope_cos_sin(0, L, D_ / H_, positions_.rope_base, c10::CppTypeToScalarType<T>::value);
    const auto c = cos.contiguous(), s = sin.contiguous();
    cos_.assign(c.template data_ptr<T>(), c.template data_ptr<T>() + c.numel());
    sin_.assign(s.template data_ptr<T>(), s.template data_ptr<T>() + s.numel());
  }
  B_ = B, L_ = L;
  const int64_t M = B * L;
  norm_.plan(arena, M);
  norm2_.plan(arena, M);
  n1_ = arena.take(M * D_);
  qkv_ = arena.take(M * 3 * D_);
  o_ = arena.take(M * D_);
  lse_ = arena.take(B * H_ * L);
  h_mid_ = arena.take(M * D_);
  n2_ = arena.take(M * D_);
  f_ = arena.take(M * F_);
  g_ = arena.take(M * F_);
}

template <typename T>
void TransformerLayer<T>::plan_scratch(Arena<T>& arena, int64_t B, int64_t L) {
  const int64_t M = B * L;
  dg_ = arena.take(M * F_);
  dn_ = arena.take(M * D_);
  do_ = arena.take(M * D_);
  dqkv_ = arena.take(M * 3 * D_);
  work_ = arena.take(NormOp<T>::scratch(M, D_));
}

template <typename T>
kernels::AttentionArgs<T> TransformerLayer<T>::attention_args() const {
  const bool rope = positions_.rope_base > 0;
  const auto& p = positions_;
  return {qkv_, L_ * 3 * D_, 3 * D_, B_, L_, D_, H_, p.window, rope ? cos_.data() : nullptr,
          rope ? sin_.data() : nullptr, p.slopes.empty() ? nullptr : p.slopes.data(),
          p.head_windows.empty() ? nullptr : p.head_windows.data()};
}

template <typename T>
void TransformerLayer<T>::forward(const T* h_in /* (M, D) */, T* h_out /* (M, D) */) {
  const int64_t M = B_ * L_;
  norm_.forward(h_in, M, n1_);
  in_proj_.forward(M, n1_, D_, qkv_, 3 * D_);
  kernels::causal_attention_forward(attention_args(), o_, lse_);
  out_proj_.forward(M, o_, D_, h_mid_, D_, /*residual=*/h_in);
  norm2_.forward(h_mid_, M, n2_);
  fc1_.forward(M, n2_, D_, f_, F_);
  gelu(f_, M * F_, g_);  // f_ now holds GELU'(f)
  fc2_.forward(M, g_, F_, h_out, D_, /*residual=*/h_mid_);
}

template <typename T>
void TransformerLayer<T>::backward(const T* h_in /* (M, D) */, T* dh /* (M, D) */) {
  const int64_t M = B_ * L_;
  fc2_.backward(M, g_, F_, dh, D_, dg_, F_, false);
  multiply(f_, M * F_, dg_);
  fc1_.backward(M, n2_, D_, dg_, F_, dn_, D_, false);
  norm2_.backward(h_mid_, dn_, M, dh, /*accumulate=*/true, work_);
  out_proj_.backward(M, o_, D_, dh, D_, do_, D_, false);
  kernels::causal_attention_backward(attention_args(), o_, lse_, do_, dqkv_);
  in_proj_.backward(M, n1_, D_, dqkv_, 3 * D_, dn_, D_, false);
  norm_.backward(h_in, dn_, M, dh, /*accumulate=*/true, work_);
}

template class TransformerLayer<float>;
template class TransformerLayer<double>;

}  // namespace fl::engine
