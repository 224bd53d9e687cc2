#include "models/cache.h"

namespace fl {

MambaCache::MambaCache(int64_t batch, int64_t d_inner, int64_t d_conv, int64_t d_state, torch::Dtype dtype)
    : conv_state(torch::zeros({batch, d_inner, d_conv}, dtype)),
      ssm_state(torch::zeros({batch, d_inner, d_state}, dtype)) {}

int64_t MambaCache::bytes() const {
  return conv_state.numel() * conv_state.element_size() + ssm_state.numel() * ssm_state.element_size();
}

LstmCache::LstmCache(int64_t batch, int64_t hidden, torch::Dtype dtype)
    : h(torch::zeros({batch, hidden}, dtype)), c(torch::zeros({batch, hidden}, dtype)) {}

int64_t LstmCache::bytes() const { return (h.numel() + c.numel()) * static_cast<int64_t>(h.element_size()); }

Mamba2Cache::Mamba2Cache(int64_t batch, int64_t conv_dim, int64_t d_conv, int64_t heads, int64_t headdim,
                         int64_t d_state, torch::Dtype dtype)
    : conv_state(torch::zeros({batch, conv_dim, d_conv}, dtype)),
      ssm_state(torch::zeros({batch, heads, headdim, d_state}, dtype)) {}

int64_t Mamba2Cache::bytes() const {
  return (conv_state.numel() + ssm_state.numel()) * static_cast<int64_t>(ssm_state.element_size());
}

LinearAttentionCache::LinearAttentionCache(int64_t batch, int64_t heads, int64_t head_dim, torch::Dtype dtype)
    : state(torch::zeros({batch, heads, head_dim, head_dim}, dtype)) {}

int64_t LinearAttentionCache::bytes() const { return state.numel() * static_cast<int64_t>(state.element_size()); }

KVCache::KVCache(int64_t batch, int64_t n_head, int64_t head_dim, int64_t window, torch::Dtype dtype)
    : window_(window),
      k_(torch::zeros({batch, n_head, window > 0 ? window : 16, head_dim}, dtype)),
      v_(torch::zeros_like(k_)) {}

void KVCache::append(const torch::Tensor& k, const torch::Tensor& v) {
  int64_t slot = count_;
  if (window_ > 0) {
    slot = count_ % window_;
  } else if (count_ == k_.size(2)) {  // full: double the capacity
    k_ = torch::cat({k_, torch::zeros_like(k_)}, 2);
    v_ = torch::cat({v_, torch::zeros_like(v_)}, 2);
  }
  k_.select(2, slot).copy_(k);
  v_.select(2, slot).copy_(v);
  ++count_;
}

torch::Tensor KVCache::keys() const { return k_.narrow(2, 0, size()); }
torch::Tensor KVCache::values() const { return v_.narrow(2, 0, size()); }

torch::Tensor KVCache::key_positions() const {
  const auto slot = torch::arange(size());
  if (window_ == 0 || count_ <= window_) return slot;  // slot s holds token s
  // A full ring: slot s holds the token t ≡ s (mod W) with last − W < t ≤ last.
  const int64_t last = count_ - 1;
  return last - torch::remainder(last - slot, window_);
}

int64_t KVCache::bytes() const {
  return 2 * size() * k_.size(0) * k_.size(1) * k_.size(3) * static_cast<int64_t>(k_.element_size());
}

int64_t ModelCache::bytes() const {
  int64_t total = 0;
  for (const auto& layer : layers) total += layer->bytes();
  return total;
}

}  // namespace fl
