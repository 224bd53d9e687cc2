// Inference state for the step path, kept apart from the model's math.
//  - Mamba: conv_state (B, Di, K) and ssm_state (B, Di, N): constant size in the position t.
//  - Transformer: a KV cache that grows with t: keys/values (B, H, t, hd).
//  - Sliding window W: a ring buffer of W key/value slots.
//  - LSTM: hidden h (B, H) and cell c (B, H): constant size in t.
//  - Mamba-2: conv_state (B, Cc, K) over [x; B; C] (Cc = Di + 2GN) and ssm_state (B, Hm, P, N).
//  - Linear attention: one (hd × hd) matrix per head, (B, H, hd, hd) keys × values.
#pragma once
#include <memory>
#include <vector>

#include <torch/torch.h>

namespace fl {

struct LayerCache {
  virtual ~LayerCache() = default;
  virtual int64_t bytes() const = 0;  // bytes of live state
};

struct MambaCache : LayerCache {
  torch::Tensor conv_state;  // (B, Di, K)  the last K conv inputs, oldest first
  torch::Tensor ssm_state;   // (B, Di, N)
  MambaCache(int64_t batch, int64_t d_inner, int64_t d_conv, int64_t d_state, torch::Dtype dtype);
  int64_t bytes() const override;
};

struct LstmCache : LayerCache {
  torch::Tensor h;  // (B, H)  h_{t−1}
  torch::Tensor c;  // (B, H)  c_{t−1}
  LstmCache(int64_t batch, int64_t hidden, torch::Dtype dtype);
  int64_t bytes() const override;
};

struct Mamba2Cache : LayerCache {
  torch::Tensor conv_state;  // (B, Cc, K)  the last K conv inputs, oldest first
  torch::Tensor ssm_state;   // (B, Hm, P, N)  mamba_ssm's layout
  Mamba2Cache(int64_t batch, int64_t conv_dim, int64_t d_conv, int64_t heads, int64_t headdim, int64_t d_state,
              torch::Dtype dtype);
  int64_t bytes() const override;
};

struct LinearAttentionCache : LayerCache {
  torch::Tensor state;  // (B, H, hd, hd)  S = Σ_j α_tj k_j v_jᵀ, keys × values
  LinearAttentionCache(int64_t batch, int64_t heads, int64_t head_dim, torch::Dtype dtype);
  int64_t bytes() const override;
};

// Keys and values of every past token; capacity doubles as t grows (amortised O(1) append).
// With window > 0 it is a ring of `window` slots: slot t mod W is overwritten.
struct KVCache : LayerCache {
  KVCache(int64_t batch, int64_t n_head, int64_t head_dim, int64_t window, torch::Dtype dtype);
  void append(const torch::Tensor& k, const torch::Tensor& v);  // (B, H, hd) each
  torch::Tensor keys() const;    // (B, H, n, hd) the live slots (ring order for a window)
  torch::Tensor values() const;  // (B, H, n, hd)
  torch::Tensor key_positions() const;  // (n) int64: the sequence position of each live slot
  int64_t size() const { return std::min(count_, capacity_limit()); }
  int64_t bytes() const override;

 private:
  int64_t capacity_limit() const { return window_ > 0 ? window_ : count_; }
  int64_t window_;
  int64_t count_ = 0;  // tokens appended so far
  torch::Tensor k_, v_;  // (B, H, capacity, hd)
};

// One cache per layer plus the position of the next token.
struct ModelCache {
  std::vector<std::unique_ptr<LayerCache>> layers;
  int64_t position = 0;
  int64_t bytes() const;
};

}  // namespace fl
