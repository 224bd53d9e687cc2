// The analytic cost of generating one token: FLOPs per op and bytes of inference state, per model
// family, at position t (the step that consumes the token at 0-based position t, with t tokens
// already cached). Torch-free; the definitions are docs/COST.md's.
//
// Conventions. A multiply–add is 2 FLOPs; an add, multiply, compare or divide is 1; a nonlinearity
// applied to one element (exp, SiLU, softplus, GELU, cos, sin) is 1. Per-row scalars (a norm's mean
// and rsqrt) are not counted. Counts are per batch row (batch 1). Letters: D d_model, Di = E·D,
// N d_state, K d_conv, R dt_rank, H heads, hd = D/H, F = mlp_ratio·D, V vocabulary, L layers,
// n = min(t + 1, W) keys attended (W = ∞ without a window), norm(D) = 4D (RMSNorm: x² summed,
// x·rstd·w) or 8D (LayerNorm: mean, variance, (x − μ)·rstd·w + b).
//
//   Mamba block (the same at every t)               FLOPs          kind
//     norm                                          norm(D)        elementwise
//     in_proj           x, z = W_in h               2·D·2Di        matmul
//     conv              Σ_k w_k x_{t−k} + b         2·K·Di + Di    elementwise
//     silu                                          Di             elementwise
//     x_proj            dt_raw, Bm, Cm = W_x x      2·Di·(R + 2N)  matmul
//     dt_proj           W_dt dt_raw                 2·R·Di         matmul
//     dt_bias+softplus                              2·Di           elementwise
//     scan              s = exp(dt·A)⊙s + (dt·x)·B, 7·Di·N         mixer   (dt·A, exp, ·s, ·B, +,
//                       y = s·C                                             and s·C as 2)
//     gate              (y + D⊙x) ⊙ SiLU(z)         4·Di           elementwise
//     out_proj                                      2·Di·D         matmul
//     residual                                      D              elementwise
//   Transformer block
//     norm                                          norm(D)        elementwise
//     in_proj           q, k, v = W_in h            2·D·3D         matmul
//     in_bias                                       3D             elementwise
//     rope              q and k (pos = rope)        6·D            elementwise (4 ×, 2 + per pair)
//     alibi             −m_h·d (pos = alibi)        2·H·n          mixer
//     scores            q·Kᵀ over n keys            2·D·n          mixer
//     softmax           scale, max, −, exp, Σ, /    6·H·n          mixer
//     mix               p·V                         2·D·n          mixer
//     out_proj                                      2·D·D          matmul
//     out_bias+residual                             2D             elementwise
//     norm2                                         norm(D)        elementwise
//     fc1                                           2·D·F          matmul
//     fc1_bias+gelu                                 2F             elementwise
//     fc2                                           2·F·D          matmul
//     fc2_bias+residual                             2D             elementwise
//   LSTM block (the same at every t; Hl = model.lstm_hidden)
//     norm                                          norm(D)        elementwise
//     w_ih              W_ih h (gates i, f, g, o)   2·D·4Hl        matmul
//     w_hh              W_hh h_lstm                 2·Hl·4Hl       matmul
//     gate_sum+bias     the two products + b        8Hl            elementwise
//     gate_act          σ, σ, tanh, σ               4Hl            elementwise
//     cell              c = f⊙c + i⊙g,              5Hl            mixer   (3 for c, tanh, ·o)
//                       h_lstm = o⊙tanh(c)
//     out_proj                                      2·Hl·D         matmul
//     residual                                      D              elementwise
//   Mamba-2 block (the same at every t; GN = ngroups·N, Hm = Di/P heads, Cc = Di + 2GN)
//     norm                                          norm(D)        elementwise
//     in_proj           z, x, B, C, dt = W_in h     2·D·(2Di+2GN+Hm) matmul
//     conv              over [x; B; C]              2·K·Cc + Cc    elementwise
//     silu                                          Cc             elementwise
//     dt_bias+softplus                              2·Hm           elementwise
//     decay             exp(dt·A) per head          2·Hm           elementwise
//     scan              s = a·s + (dt·x)⊗B,         5·Di·N + Di    mixer   (a·s, ⊗B, + per entry,
//                       y = s·C                                             s·C as 2; dt·x)
//     skip              y + D_h·x                   2·Di           elementwise
//     gated_norm        RMS(y ⊙ SiLU(z))·w          6·Di           elementwise
//     out_proj                                      2·Di·D         matmul
//     residual                                      D              elementwise
//   Linear-attention block (the same at every t; H heads of hd = D/H)
//     norm                                          norm(D)        elementwise
//     qkvg_proj         q, k, v, g = W x            2·D·4D         matmul
//     q_scale           q / √hd                     D              elementwise
//     gk_proj           (decay = gla) W_up W_down x 2·D·16 + 2·16·D matmul
//     gate              (gla) bias, logsigmoid, /16, exp   4D      elementwise
//     scan              S = α⊙S + k⊗v, o = q·S      5·D·hd         mixer   (4·D·hd with decay none)
//     gated_norm        RMS(o)·w ⊙ SiLU(g)          6D             elementwise
//     o_proj                                        2·D·D          matmul
//     residual                                      D              elementwise
//     norm2, fc1, fc1_bias+gelu, fc2, fc2_bias+residual: as the Transformer block
//   Frame (once per token)
//     pos_embedding     E[tok] + P[t] (learned)     D              elementwise
//     rope_angles       θ = t·f, cos θ, sin θ       3·hd/2         elementwise
//     norm_f                                        norm(D)        elementwise
//     head              logits = E h (tied)         2·D·V          matmul
// So flops(t) = fixed + L_a·(4D + 6H)·n(t) with L_a attention blocks (all L for a Transformer,
// the attn_layers of a hybrid): affine in t until the window is full, constant after, and
// constant for Mamba, Mamba-2, linear attention and the LSTM; Σ_{t<T} is quadratic in T without a window. A hybrid's
// blocks are costed each by its own family's table.
//
// State bytes per layer after t tokens, float32 (4 bytes per value):
//   Mamba: Di·(K + N)·4 (conv window of K inputs + ssm state), constant in t;
//   Transformer: 2·min(t, W)·D·4 (keys and values of the cached tokens);
//   LSTM: 2·Hl·4 (h and c), constant in t;
//   Mamba-2: (Cc·K + Di·N)·4 (conv window + Hm heads' P × N states), constant in t;
//   linear attention: D·hd·4 (H matrices of hd × hd), constant in t;
//   hybrid: each block as its family's.
// State bytes read by the step at position t, per layer: all of Mamba's and the LSTM's state;
// the keys and values of the n slots attended (the new token's included): 2·n·D·4.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/model_config.h"

namespace fl::cost {

// matmul: products with weight matrices (their FLOPs are 2 × the matrices' sizes);
// mixer: the work over the inference state (attention over the cached keys and values, the scan);
// elementwise: everything else.
enum class OpKind { matmul, mixer, elementwise };
const char* op_kind_name(OpKind kind);

struct OpCost {
  std::string name;     // "in_proj", "scores", ...
  std::string formula;  // as in the table above, e.g. "2·D·3D"
  OpKind kind;
  int64_t flops;        // for one batch row
};

// The ops of block `layer` at position t (a Mamba, Transformer, LSTM, Mamba-2 or linear-attention
// block: a hybrid has the first two).
std::vector<OpCost> block_ops(const ModelConfig& config, int64_t layer, int64_t t);
// The ops outside the blocks: embedding, RoPE angles, final norm, head.
std::vector<OpCost> frame_ops(const ModelConfig& config, int64_t t);

// FLOPs of the step at position t: the L blocks + the frame (batch 1). Optionally only one kind.
int64_t flops_per_token(const ModelConfig& config, int64_t t);
int64_t flops_per_token(const ModelConfig& config, int64_t t, OpKind kind);
// Σ_{t=0}^{T−1} flops_per_token(t): generating T tokens from an empty state (closed form).
double total_flops(const ModelConfig& config, int64_t T);

// Keys/values slots an attention layer caches after t tokens: min(t, W) (t without a window); 0
// for a model without attention.
int64_t cached_tokens(const ModelConfig& config, int64_t t);
// Bytes of inference state of block `layer` after t tokens (float32).
int64_t layer_state_bytes(const ModelConfig& config, int64_t layer, int64_t t);
// All layers.
int64_t state_bytes(const ModelConfig& config, int64_t t);
// Bytes of state the step at position t reads, all layers (float32).
int64_t state_bytes_read(const ModelConfig& config, int64_t t);

}  // namespace fl::cost
