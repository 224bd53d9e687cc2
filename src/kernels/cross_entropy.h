// Mean softmax cross-entropy of a set of rows and its gradient, in one pass, on raw buffers (the
// flat training engine, src/engine/; the libtorch path runs torch's cross_entropy, its reference):
//   lse_i = log Σ_v exp(logits[i, v]),   loss = (1/n) Σ_i (lse_i − logits[i, target_i])
//   dlogits[i, v] = (softmax(logits_i)[v] − [v = target_i]) / n
// Shapes: logits, dlogits (n, V) contiguous (dlogits may be logits itself: overwritten in
// place); targets (n) in [0, V). Parallel over rows; the per-row losses are summed in row order
// in double: bit-identical run to run and whatever the thread count. n = 0 gives NaN (0/0), as
// torch's mean over no targets. float/double.
#pragma once
#include <cstdint>

namespace fl::kernels {

template <typename T>
double cross_entropy_forward_backward(const T* logits, const int64_t* targets, int64_t n, int64_t V, T* dlogits,
                                      double* row_losses /* (n) scratch */);

}  // namespace fl::kernels
