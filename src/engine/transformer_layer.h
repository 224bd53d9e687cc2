// The pre-norm GPT block (models/transformer.h) in the flat engine:
//   n1    = Norm(h)                          (M, D)
//   qkv   = n1 · W_inᵀ + b_in                (M, 3D)
//   o     = causal_attention(qkv)            (M, D)   RoPE / ALiBi / Hard-ALiBi / none, optional window W;
//                                                     lse (B, H, L)
//   h_mid = h + o · W_outᵀ + b_out           (M, D)
//   n2    = Norm2(h_mid)                     (M, D)
//   f     = n2 · W_fc1ᵀ + b_fc1              (M, F)
//   h_out = h_mid + GELU(f) · W_fc2ᵀ + b_fc2 (M, D)   exact (erf) GELU
// Kept for the backward: n1, qkv, o, lse, h_mid, n2, GELU(f), GELU'(f) (computed with GELU(f)
// in the forward, in f's place) and the norms' statistics: as many values as the libtorch
// path's autograd keeps (f and GELU(f)).
#pragma once
#include <string>
#include <vector>

#include "engine/engine_layer.h"
#include "engine/flat_parameters.h"
#include "engine/linear.h"
#include "engine/norm_op.h"
#include "kernels/attention.h"
#include "models/model_config.h"

namespace fl::engine {

template <typename T>
class TransformerLayer : public EngineLayer<T> {
 public:
  // The parameters of backbone.layers.<index> (checkpoint names, docs/CHECKPOINTS.md).
  TransformerLayer(FlatParameters<T>& params, const ModelConfig& c, int64_t index);
  void plan(Arena<T>& arena, int64_t B, int64_t L) override;
  void plan_scratch(Arena<T>& arena, int64_t B, int64_t L) override;
  void forward(const T* h_in, T* h_out) override;
  void backward(const T* h_in, T* dh) override;

 private:
  int64_t D_, H_, F_, B_ = 0, L_ = 0;
  kernels::AttentionPositions positions_;
  kernels::AttentionArgs<T> attention_args() const;
  NormOp<T> norm_, norm2_;
  Linear<T> in_proj_, out_proj_, fc1_, fc2_;
  std::vector<T> cos_, sin_;  // (L, hd/2) RoPE tables of the planned length
  // Activations (M = B·L rows).
  T *n1_ = nullptr, *qkv_ = nullptr, *o_ = nullptr, *lse_ = nullptr, *h_mid_ = nullptr, *n2_ = nullptr,
    *f_ = nullptr, *g_ = nullptr;  // f_: fc1's output, then GELU' of it
  // Scratch of the backward.
  T *dg_ = nullptr, *dn_ = nullptr, *do_ = nullptr, *dqkv_ = nullptr, *work_ = nullptr;
};

}  // namespace fl::engine
