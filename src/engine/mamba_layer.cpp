#include "engine/mamba_layer.h"

#include <algorithm>
#include <cmath>

#include "kernels/causal_conv.h"
#include "kernels/parallel.h"
#include "kernels/selective_scan.h"

namespace fl::engine {

using kernels::scan_detail::MutableRows;
using kernels::scan_detail::Rows;

namespace {

// Row views of a (B·L, width) buffer whose rows are `stride` apart, starting at column `col`.
template <typename T>
Rows<T> rows_of(const T* data, int64_t L, int64_t stride, int64_t col = 0) {
  return {data + col, L * stride, stride};
}
template <typename T>
MutableRows<T> mutable_rows_of(T* data, int64_t L, int64_t stride, int64_t col = 0) {
  return {data + col, L * stride, stride};
}

}  // namespace

template <typename T>
MambaLayer<T>::MambaLayer(FlatParameters<T>& params, const ModelConfig& c, int64_t index)
    : D_(c.d_model), Di_(c.d_inner()), N_(c.d_state), R_(c.dt_rank), K_(c.d_conv) {
  const std::string p = "backbone.layers." + std::to_string(index) + ".";
  norm_ = NormOp<T>(params, p + "norm", c);
  in_proj_ = Linear<T>(params, p + "mixer.in_proj", false);
  x_proj_ = Linear<T>(params, p + "mixer.x_proj", false);
  dt_proj_ = Linear<T>(params, p + "mixer.dt_proj", false);  // its bias goes into the scan
  out_proj_ = Linear<T>(params, p + "mixer.out_proj", false);
  const auto bind = [&](const std::string& name, const T*& value, T*& grad) {
    value = params.value(p + "mixer." + name), grad = params.grad(p + "mixer." + name);
  };
  bind("conv1d.weight", conv_weight_, dconv_weight_);
  bind("conv1d.bias", conv_bias_, dconv_bias_);
  bind("A_log", A_log_, dA_log_);
  bind("D", D_skip_, dD_skip_);
  bind("dt_proj.bias", dt_bias_, ddt_bias_);
}

template <typename T>
void MambaLayer<T>::plan(Arena<T>& arena, int64_t B, int64_t L) {
  B_ = B, L_ = L;
  const int64_t M = B * L;
  norm_.plan(arena, M);
  normed_ = arena.take(M * D_);
  xz_ = arena.take(M * 2 * Di_);
  xc_ = arena.take(M * Di_);
  xdbl_ = arena.take(M * xdbl_width());
  dt_ = arena.take(M * Di_);
  y_ = arena.take(M * Di_);
  chunk_states_ = arena.take(kernels::selective_scan_chunk_states(B, L, Di_, N_));
  A_ = arena.take(Di_ * N_);
}

template <typename T>
void MambaLayer<T>::plan_scratch(Arena<T>& arena, int64_t B, int64_t L) {
  const int64_t M = B * L;
  dgated_ = arena.take(M * Di_);
  dxc_ = arena.take(M * Di_);
  ddt_ = arena.take(M * Di_);
  dxz_ = arena.take(M * 2 * Di_);
  dxdbl_ = arena.take(M * xdbl_width());
  dnormed_ = arena.take(M * D_);
  dA_ = arena.take(Di_ * N_);
  work_ = arena.take(std::max({kernels::selective_scan_backward_workspace(B, L, Di_, N_),
                               kernels::causal_conv1d_silu_workspace(B, Di_, K_, true),
                               NormOp<T>::scratch(M, D_)}));
}

// u = xc, delta = dt, z = xz[:, Di:], Bm and Cm = xdbl's columns, read in place.
template <typename T>
kernels::scan_detail::ScanInputs<T> MambaLayer<T>::scan_inputs() const {
  const int64_t W = xdbl_width();
  return {rows_of<T>(xc_, L_, Di_),       rows_of<T>(dt_, L_, Di_),          rows_of<T>(xz_, L_, 2 * Di_, Di_),
          rows_of<T>(xdbl_, L_, W, R_),   rows_of<T>(xdbl_, L_, W, R_ + N_), A_,
          D_skip_,                        dt_bias_,                          /*delta_softplus=*/true,
          B_,                             L_,                                Di_,
          N_};
}

template <typename T>
void MambaLayer<T>::forward(const T* h_in /* (M, D) */, T* h_out /* (M, D) */) {
  const int64_t M = B_ * L_, W = xdbl_width();
  norm_.forward(h_in, M, normed_);
  in_proj_.forward(M, normed_, D_, xz_, 2 * Di_);
  const kernels::CausalConvArgs<T> conv{xz_, L_ * 2 * Di_, 2 * Di_, conv_weight_, conv_bias_, B_, L_, Di_, K_};
  kernels::causal_conv1d_silu_forward(conv, xc_, work_);  // the backward's scratch is free during forward
  x_proj_.forward(M, xc_, Di_, xdbl_, W);
  dt_proj_.forward(M, xdbl_, W, dt_, Di_);
  for (int64_t i = 0; i < Di_ * N_; ++i) A_[i] = -std::exp(A_log_[i]);
  kernels::selective_scan_forward(scan_inputs(), y_, chunk_states_);
  out_proj_.forward(M, y_, Di_, h_out, D_, /*residual=*/h_in);
}

template <typename T>
void MambaLayer<T>::backward(const T* h_in /* (M, D) */, T* dh /* (M, D) */) {
  const int64_t M = B_ * L_, W = xdbl_width();
  out_proj_.backward(M, y_, Di_, dh, D_, dgated_, Di_, false);
  const kernels::ScanGradients<T> grads{mutable_rows_of(dxc_, L_, Di_),
                                        mutable_rows_of(ddt_, L_, Di_),
                                        mutable_rows_of(dxz_, L_, 2 * Di_, Di_),
                                        mutable_rows_of(dxdbl_, L_, W, R_),
                                        mutable_rows_of(dxdbl_, L_, W, R_ + N_),
                                        dA_,
                                        dD_skip_,
                                        ddt_bias_};
  kernels::selective_scan_backward(scan_inputs(), chunk_states_, rows_of<T>(dgated_, L_, Di_), grads, work_);
  for (int64_t i = 0; i < Di_ * N_; ++i) dA_log_[i] = dA_[i] * A_[i];  // A = −exp(A_log)
  dt_proj_.backward(M, xdbl_, W, ddt_, Di_, dxdbl_, W, false);          // dt_raw's columns of dxdbl
  x_proj_.backward(M, xc_, Di_, dxdbl_, W, dxc_, Di_, /*accumulate_dx=*/true);
  const kernels::CausalConvArgs<T> conv{xz_, L_ * 2 * Di_, 2 * Di_, conv_weight_, conv_bias_, B_, L_, Di_, K_};
  kernels::causal_conv1d_silu_backward(conv, dxc_, dxz_, L_ * 2 * Di_, 2 * Di_, dconv_weight_, dconv_bias_, work_);
  in_proj_.backward(M, normed_, D_, dxz_, 2 * Di_, dnormed_, D_, false);
  norm_.backward(h_in, dnormed_, M, dh, /*accumulate=*/true, work_);
}

template class MambaLayer<float>;
template class MambaLayer<double>;

}  // namespace fl::engine
