// The flat training engine (docs/PERFORMANCE.md, "The flat engine"): the language model's training
// forward and backward — embedding, every block, final norm, tied head, masked cross-entropy —
// as a handful of kernel calls on raw buffers, with no autograd graph and no tensor dispatch.
//
// Weights and gradients live in one flat block each (FlatParameters, shared with the libtorch
// model it adopts); activations in one arena planned once per batch shape (B, L); the backward's
// scratch is one region shared by all layers. It computes the libtorch path's function exactly
// (same kernels where the libtorch path runs fused ones, same math elsewhere); the tests hold the
// two to float rounding, and to 1e-10 in float64.
//
// The head runs on the loss positions only: their rows of the last hidden state are gathered,
// normed and projected, so logits are never formed for positions without a target (the rest
// have zero gradient either way).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/arena.h"
#include "engine/engine_layer.h"
#include "engine/flat_parameters.h"
#include "engine/linear.h"
#include "engine/norm_op.h"
#include "models/lm.h"

namespace fl::engine {

template <typename T>
class LanguageModelEngine {
 public:
  // Adopts the model's parameters (dtype T): the model keeps working and sees the engine's weights.
  explicit LanguageModelEngine(LanguageModel& model);

  // tokens, targets (B, L) int64 and mask (B, L) (true: a loss position), row-major. Returns the
  // mean cross-entropy over the loss positions (NaN when there are none) and leaves its gradient
  // in parameters().grads(). Token ids outside [0, V) throw c10::Error; learned positions beyond
  // model.max_len throw fl::Error, as the model's embed().
  double forward_backward(const int64_t* tokens, const int64_t* targets, const bool* mask, int64_t B, int64_t L);

  FlatParameters<T>& parameters() { return params_; }
  const FlatParameters<T>& parameters() const { return params_; }
  int64_t arena_bytes() const { return arena_.capacity() * static_cast<int64_t>(sizeof(T)); }

 private:
  void plan(int64_t B, int64_t L);
  void embed(const int64_t* tokens);
  double head(const int64_t* targets, const bool* mask);  // loss; dh_ = its gradient
  void embed_backward(const int64_t* tokens);

  ModelConfig config_;
  FlatParameters<T> params_;
  std::vector<std::unique_ptr<EngineLayer<T>>> layers_;
  NormOp<T> norm_f_;
  Linear<T> head_;  // the tied head: backbone.embedding as a Linear (V, D) without bias
  Arena<T> arena_;
  int64_t B_ = 0, L_ = 0;
  std::vector<T*> hidden_;  // n_layer + 1 residual streams (M, D); hidden_[i] is layer i's input
  T *dh_ = nullptr;         // (M, D) gradient of the residual stream
  T *rows_ = nullptr, *normed_ = nullptr, *dnormed_ = nullptr;  // (n, D) at the loss positions
  T *logits_ = nullptr;                                          // (n, V), then its gradient
  T *norm_work_ = nullptr;
  std::vector<int64_t> loss_rows_, loss_targets_;  // (n) row b·L + t of each loss position, its target
  std::vector<double> row_losses_;                 // (n)
};

}  // namespace fl::engine
