// A torch-free decoding step: the language model's step path (LanguageModelImpl::step) on plain
// float32 buffers, for generation one token at a time, where libtorch's per-op dispatch (~1 µs
// per op, tens of µs per batch-1 Linear) would dominate.
//
// The engine copies the model's weights at construction (a snapshot: later training does not
// reach it) into the layouts its loops read, and computes exactly the model's math:
//   h = E[token] (+ P[position] for learned positions; beyond max_len → fl::Error, as embed)
//   per block, pre-norm (rmsnorm | layernorm, eps from the config):
//     Mamba       x, z = in_proj(norm(h));  window ← [window[1:], x];  x = SiLU(Σ_k w_k window_k + b)
//                 dt_raw, Bm, Cm = x_proj(x);  dt = softplus(dt_proj(dt_raw))
//                 s = exp(dt ⊗ A) ⊙ s + (dt x) ⊗ Bm,  A = −exp(A_log);  y = s·Cm + D x
//                 h += out_proj(y ⊙ SiLU(z))
//     Mamba-2     z, xBC, dt_raw = in_proj(norm(h)), xBC = [x; Bm; Cm];  window ← [window[1:], xBC];
//                 xBC = SiLU(Σ_k w_k window_k + b);  per head h: dt_h = softplus(dt_raw_h + dt_bias_h),
//                 s_h = exp(dt_h A_h) s_h + dt_h x_h ⊗ Bm_g,  A_h = −exp(A_log_h),  y_h = s_h·Cm_g + D_h x_h
//                 (head h reads group g = h / (Hm/G) of Bm, Cm);  y ← y ⊙ SiLU(z), RMSNorm'd per group
//                 of Di/G channels (weight mixer.norm);  h += out_proj(y)
//     Transformer q, k, v = in_proj(norm(h)) per head (+ RoPE at the absolute position, angles in
//                 double as kernels/rope.cpp); append k, v to the cache;
//                 o = softmax(q·Kᵀ/√hd − m_h d) V over the keys the head sees (ALiBi slope m_h,
//                 Hard-ALiBi reach: kernels/attention_positions.h; d = the key's distance)
//                 h += out_proj(o);  h += fc2(GELU(fc1(norm2(h))))   (exact erf GELU)
//     LSTM        [i; f; g; o] = W_ih norm(h) + W_hh h_lstm + (b_ih + b_hh);  i, f, o = σ, g = tanh
//                 c = f c + i g;  h_lstm = o tanh(c);  h += out_proj(h_lstm)
//     Linear      q, k, v, g = (Wq, Wk, Wv, Wg) norm(h) per head, q scaled by 1/√hd; per head j and key
//                 channel i: S_j[i, :] = α_i S_j[i, :] + k_i v,  o_j = q·S_j  (α: decay "none" 1,
//                 "fixed" γ_j = exp(fixed_log_decay(j)), "gla" exp(logsigmoid(W_up W_down norm(h) + b_up)/τ)
//                 per channel);  o_j = RMSNorm_hd(o_j) ⊙ SiLU(g_j);  h += o_proj(o);  then the
//                 Transformer's MLP
//   logits = norm_f(h) · Eᵀ   (the tied head)
// Batched: B rows, independent. Letters: B batch, D d_model, Di d_inner, N d_state, K d_conv,
// R dt_rank, H heads, hd = D/H, F mlp hidden, V vocabulary, S cache slots, W window; Hl the
// LSTM's hidden size (model.lstm_hidden); Mamba-2: P headdim, G ngroups, Hm = Di/P heads,
// Cc = Di + 2GN conv channels.
//
// Threads: everything runs on the calling thread except attention over a long cache (≥ 512 keys),
// which splits (batch × head) over at::parallel_for; each (b, h) is computed in a fixed order by
// one thread, so results are bit-identical whatever the thread count.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/lm.h"

namespace fl {

// Caches of one layer. A Mamba or Mamba-2 block fills conv/ssm, a Transformer block
// keys/values, an LSTM block h/c, a linear-attention block kv; the rest stay empty (a hybrid has
// layers of both the first two).
struct LayerState {
  std::vector<float> conv;    // (B, K, Di)  the last K conv inputs, oldest first; Mamba-2: (B, K, Cc), [x; Bm; Cm]
  std::vector<float> ssm;     // (B, N, Di)  Mamba-2 too, channel h·P + p = row p of head h's (P, N) state
  std::vector<float> keys;    // (B, H, hd, S)  S = capacity (doubles as it fills; W with a window)
  std::vector<float> values;  // (B, H, S, hd)  slot t (mod W) holds token t
  std::vector<float> h;       // (B, Hl)  LSTM hidden state
  std::vector<float> c;       // (B, Hl)  LSTM cell state
  std::vector<float> kv;      // (B, H, hd, hd)  linear attention: S_j, keys × values
};

// Decoding state: all-zero caches at position 0 from StepEngine::make_state.
struct StepState {
  int64_t batch = 0;
  int64_t position = 0;  // tokens consumed so far = position of the next token
  std::vector<LayerState> layers;
  std::vector<float> scratch;  // step()'s work buffers; no meaning between steps
};

class StepEngine {
 public:
  explicit StepEngine(const LanguageModel& model);

  StepState make_state(int64_t batch) const;
  // tokens (B) ids → logits (B, V) written to `logits`; advances state.position by one.
  // Token ids outside [0, V) throw c10::Error; learned positions beyond max_len throw fl::Error.
  void step(const int64_t* tokens, StepState& state, float* logits) const;
  // Live cache bytes over all layers and batch rows (float32): B × LanguageModel::state_bytes(t).
  int64_t state_bytes(const StepState& state) const;

  const ModelConfig& config() const { return config_; }
  int64_t vocab_size() const { return config_.vocab_size; }

 private:
  struct Norm {
    std::vector<float> weight, bias;  // (D) each; bias empty for RMSNorm
  };
  struct MambaLayer {
    Norm norm;
    std::vector<float> in_proj;      // (2Di, D)   rows [x; z]
    std::vector<float> conv_weight;  // (K, Di)
    std::vector<float> conv_bias;    // (Di)
    std::vector<float> x_proj;       // (R + 2N, Di)  rows [dt_raw; Bm; Cm]
    std::vector<float> dt_proj;      // (Di, R)
    std::vector<float> dt_bias;      // (Di)
    std::vector<float> A;            // (N, Di)  −exp(A_log), transposed
    std::vector<float> D;            // (Di)
    std::vector<float> out_proj;     // (D, Di)
  };
  // The Transformer block's second half, h += fc2(GELU(fc1(norm2(h)))).
  struct Mlp {
    Norm norm2;
    std::vector<float> fc1, fc1_bias;  // (F, D), (F)
    std::vector<float> fc2, fc2_bias;  // (D, F), (D)
  };
  struct Mamba2Layer {
    Norm norm;
    std::vector<float> in_proj;      // (2Di + 2GN + Hm, D)  rows [z; x; Bm; Cm; dt_raw], Bm and Cm (G, N)
    std::vector<float> conv_weight;  // (K, Cc)
    std::vector<float> conv_bias;    // (Cc)
    std::vector<float> dt_bias;      // (Hm)
    std::vector<float> A;            // (Hm)  −exp(A_log)
    std::vector<float> D;            // (Di)  D_h on each of head h's P channels
    std::vector<float> norm_weight;  // (Di)  the gated RMSNorm's
    std::vector<float> out_proj;     // (D, Di)
  };
  struct AttentionLayer {
    Norm norm;
    std::vector<float> in_proj, in_bias;    // (3D, D), (3D)  rows [q; k; v], head h at h·hd
    std::vector<float> out_proj, out_bias;  // (D, D), (D)
    Mlp mlp;
  };
  struct LinearAttentionLayer {
    Norm norm;
    std::vector<float> in_proj;    // (4D + r, D)  rows [q; k; v; g; W_down], head j at j·hd; r = gate_rank()
    std::vector<float> gate_up;    // (D, r)  gla: W_up
    std::vector<float> gate_bias;  // (D)     gla: b_up
    std::vector<float> decay;      // (D)     none, fixed: α of each key channel (1, or head j's γ_j)
    std::vector<float> g_norm;     // (hd)    the output RMSNorm's weight, shared by the heads
    std::vector<float> out_proj;   // (D, D)
    Mlp mlp;
  };
  struct LstmLayer {
    Norm norm;
    std::vector<float> w_ih;      // (4Hl, D)   rows [i; f; g; o]
    std::vector<float> w_hh;      // (4Hl, Hl)
    std::vector<float> bias;      // (4Hl)      b_ih + b_hh
    std::vector<float> out_proj;  // (D, Hl)
  };

  // Work buffers of one step, carved out of StepState::scratch.
  struct Scratch {
    float* hidden;  // (B, D)    the residual stream
    float* normed;  // (B, D)
    float* wide;    // (B, max(2Di, 3D, F, 4Hl, 2Di + 2GN + Hm, 4D + r))  in_proj / fc1 output / LSTM gates
    float* inner;   // Mamba: (B, Di) conv output x;  attention, linear: (B, D) heads' outputs o;
                    // Mamba-2: (B, Cc) conv output [x | Bm | Cm]
    float* proj;    // (B, R + 2N)  Mamba: x_proj output [dt_raw | Bm | Cm]
    float* dt;      // (B, Di)   Mamba: dt;  Mamba-2: dt_h x per channel
    float* gated;   // (B, Di)   Mamba: y ⊙ SiLU(z);  Mamba-2: y ⊙ SiLU(z), normed in place
    float* decay;   // Mamba-2: (B, Di) exp(dt_h A_h) per channel;  linear gla: (B, D) α per key channel
    float* rope;    // (hd)      attention: cos | sin of this position's angles
    float* scores;  // (B, H, n) attention probabilities over the n live slots
  };
  Scratch carve_scratch(StepState& state, int64_t slots) const;

  void norm(const Norm& n, const float* x, float* y, int64_t batch) const;  // (B, D) rows
  void embed(const int64_t* tokens, int64_t position, float* hidden, int64_t batch) const;
  void mamba_step(const MambaLayer& layer, LayerState& cache, const Scratch& s, int64_t batch) const;
  // Mamba's causal depthwise conv over C channels, one token (step_mamba.cpp): per row b, the
  // window (K, C) at window + b·K·C ← [window[1:], input row b] (rows input_stride apart), and
  // out (B, C) = SiLU(Σ_k weight_k ⊙ window_k + bias); weight (K, C), bias (C).
  static void conv_step(const float* weight, const float* bias, int64_t K, int64_t C, int64_t batch, const float* input,
                        int64_t input_stride, float* window, float* out);
  void mamba2_step(const Mamba2Layer& layer, LayerState& cache, const Scratch& s, int64_t batch) const;
  void attention_step(const AttentionLayer& layer, LayerState& cache, const Scratch& s, int64_t batch,
                      int64_t position) const;
  void mlp_step(const Mlp& mlp, const Scratch& s, int64_t batch) const;  // s.hidden += MLP; uses s.normed, s.wide
  void lstm_step(const LstmLayer& layer, LayerState& cache, const Scratch& s, int64_t batch) const;
  void linear_attention_step(const LinearAttentionLayer& layer, LayerState& cache, const Scratch& s,
                             int64_t batch) const;
  // Linear attention: the rank r of GLA's gate, W_up W_down (kGlaGateRank with decay "gla", else 0).
  int64_t gate_rank() const { return config_.decay == "gla" ? kGlaGateRank : 0; }
  void rope_angles(int64_t position, float* cos_sin) const;
  int64_t cache_slots(int64_t position) const;  // live KV slots after `position` tokens

  ModelConfig config_;
  std::vector<float> embedding_;      // (V, D) also the head
  std::vector<float> pos_embedding_;  // (max_len, D) learned positions only
  std::vector<double> inv_freq_;      // (hd/2) RoPE only
  kernels::AttentionPositions positions_;  // Transformer: the ALiBi slopes and Hard-ALiBi windows
  Norm norm_f_;
  std::vector<MambaLayer> mamba_;             // the Mamba blocks, in layer order
  std::vector<AttentionLayer> attention_;     // the Transformer blocks, in layer order
  std::vector<LstmLayer> lstm_;               // the LSTM blocks, in layer order
  std::vector<Mamba2Layer> mamba2_;           // the Mamba-2 blocks, in layer order
  std::vector<LinearAttentionLayer> linear_;  // the linear-attention blocks, in layer order
  std::vector<int64_t> block_index_;          // layer i → its block in the vector of its family
};

}  // namespace fl
