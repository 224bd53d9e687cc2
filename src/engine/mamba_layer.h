// The Mamba block (models/mamba.h; docs/SOURCES.md §1 as restated there) in the flat engine:
//   normed = Norm(h)                                  (M, D)
//   xz     = normed · W_inᵀ                           (M, 2Di)   x = xz[:, :Di], z = xz[:, Di:]
//   xc     = SiLU(conv1d_K(x) + b_conv)               (M, Di)    kernels/causal_conv
//   xdbl   = xc · W_xᵀ                                (M, R + 2N)  [dt_raw | Bm | Cm]
//   dt     = dt_raw · W_dtᵀ                           (M, Di)    bias and softplus fused in the scan
//   y      = selective_scan(xc, dt, −exp(A_log), Bm, Cm, D, z, b_dt, softplus)   (M, Di)
//   h_out  = h + y · W_outᵀ                           (M, D)
// Kept for the backward: normed, xz, xc, xdbl, dt, y, the scan's chunk states and the norm's
// statistics (the libtorch path's autograd keeps the same tensors). Backward walks the same
// chain in reverse; dz, the conv's dx, dB and dC are written straight into their columns of
// dxz and dxdbl (strided rows), so no gradient is copied. dA_log = dA ⊙ A.
#pragma once
#include <string>

#include "engine/engine_layer.h"
#include "engine/flat_parameters.h"
#include "engine/linear.h"
#include "engine/norm_op.h"
#include "kernels/selective_scan.h"
#include "models/model_config.h"

namespace fl::engine {

template <typename T>
class MambaLayer : public EngineLayer<T> {
 public:
  // The parameters of backbone.layers.<index> (checkpoint names, docs/CHECKPOINTS.md).
  MambaLayer(FlatParameters<T>& params, const ModelConfig& c, int64_t index);
  void plan(Arena<T>& arena, int64_t B, int64_t L) override;
  void plan_scratch(Arena<T>& arena, int64_t B, int64_t L) override;
  void forward(const T* h_in, T* h_out) override;
  void backward(const T* h_in, T* dh) override;

 private:
  int64_t D_, Di_, N_, R_, K_, B_ = 0, L_ = 0;
  int64_t xdbl_width() const { return R_ + 2 * N_; }
  kernels::scan_detail::ScanInputs<T> scan_inputs() const;
  NormOp<T> norm_;
  Linear<T> in_proj_, x_proj_, dt_proj_, out_proj_;
  const T *conv_weight_, *conv_bias_, *A_log_, *D_skip_, *dt_bias_;  // (Di, K), (Di), (Di, N), (Di), (Di)
  T *dconv_weight_, *dconv_bias_, *dA_log_, *dD_skip_, *ddt_bias_;
  // Activations (M = B·L rows).
  T *normed_ = nullptr, *xz_ = nullptr, *xc_ = nullptr, *xdbl_ = nullptr, *dt_ = nullptr, *y_ = nullptr;
  T *chunk_states_ = nullptr, *A_ = nullptr;  // the scan's saved states; −exp(A_log) (Di, N)
  // Scratch of the backward.
  T *dgated_ = nullptr, *dxc_ = nullptr, *ddt_ = nullptr, *dxz_ = nullptr, *dxdbl_ = nullptr;
  T *dnormed_ = nullptr, *dA_ = nullptr, *work_ = nullptr;
};

}  // namespace fl::engine
