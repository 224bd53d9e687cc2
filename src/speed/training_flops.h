// Floating-point operations of one training step, for `freelunch speed`'s GFLOP/s column: three
// times the forward (the backward of a product costs two), the forward counted as
//   2·in·out per token for every Linear (the tied head over every position included),
//   4·hd per unmasked (query, key) pair and head for attention (q·k and p·v),
//   7·Di·N per token for the selective scan (the exp counted as one), 2·K·Di for the conv;
//   5·H per token for an LSTM's cell update (c = f c + i g, h = o tanh c; its gates are Linears);
//   Mamba-2: 5·Di·N per token for the scan and 2·K·Cc for the conv; linear attention 5·D·hd for
//   the scan (its gate's low-rank Linears left out);
// norms, activations and the optimizer are left out (they are memory-bound and small).
#pragma once
#include <cstdint>

#include "models/model_config.h"

namespace fl::speed {

double training_flops(const ModelConfig& c, int64_t batch, int64_t length);

}  // namespace fl::speed
