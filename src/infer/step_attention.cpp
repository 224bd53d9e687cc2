// One Transformer block of the step engine (math in step_engine.h; the model:
// src/models/transformer.cpp). Per (batch row, head) the cache holds keys transposed, (hd, S), and
// values as they come, (S, hd): q·Kᵀ and p·V are then both vector × matrix products that
// vectorise over the matrix's columns with the accumulators in registers (kernels::vector_matrix).
// Full attention doubles S when it fills (amortised O(1) append); a window keeps S = W and writes
// token t into slot t mod W (RoPE is applied before caching and softmax ignores slot order; the
// ALiBi / Hard-ALiBi terms are taken at each slot's true distance).
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "infer/step_engine.h"
#include "kernels/gemv.h"
#include "kernels/vector_math.h"

namespace fl {
namespace {

// Below this many cached keys one step's attention is a few µs: cheaper on the calling thread
// than a parallel region.
constexpr int64_t kParallelKeys = 512;

// Doubles the capacity of a cache made of `rows` rows of `length` floats each (the slot axis
// and what is inside it), keeping every row's content at its start.
void double_capacity(std::vector<float>& cache, int64_t rows, int64_t length) {
  std::vector<float> grown(rows * 2 * length, 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(grown.data() + r * 2 * length, cache.data() + r * length, length * sizeof(float));
  cache.swap(grown);
}

// x (hd) rotated by the angles whose cos | sin are in cos_sin (hd): rotate-half form.
void rotate(float* x, const float* cos_sin, int64_t half) {
  const float* cos = cos_sin;
  const float* sin = cos_sin + half;
#pragma omp simd
  for (int64_t i = 0; i < half; ++i) {
    const float x1 = x[i], x2 = x[i + half];
    x[i] = x1 * cos[i] - x2 * sin[i];
    x[i + half] = x2 * cos[i] + x1 * sin[i];
  }
}

// The head's ALiBi / Hard-ALiBi terms for the query at position t: slot j holds the token at
// distance d_j = t − j, or (t − j) mod W in a ring of W slots.
struct HeadBias {
  float slope;    // m_h (0: none)
  int64_t reach;  // the head sees d < reach (0 = unlimited)
  int64_t t, W;
  bool none() const { return slope == 0 && reach == 0; }
  int64_t distance(int64_t j) const { return W > 0 ? (t - j) % W : t - j; }
};

// o (hd) = p · V with p = softmax(q · Kᵀ / √hd − m_h d_j, over the n live slots the head sees);
// keys (hd, S) and values (S, hd) of one (b, h); p (n) is scratch.
void attend(const float* q, const float* keys, const float* values, int64_t S, int64_t n, int64_t hd,
            const HeadBias& bias, float* p, float* o) {
  kernels::vector_matrix(hd, n, q, keys, S, p);  // q · Kᵀ
  const float sqrt_hd = std::sqrt(static_cast<float>(hd));
  float max_score = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < n; ++j) {
    p[j] /= sqrt_hd;
    if (!bias.none()) {
      const int64_t d = bias.distance(j);
      p[j] = bias.reach > 0 && d >= bias.reach ? -std::numeric_limits<float>::infinity()
                                               : p[j] - bias.slope * static_cast<float>(d);
    }
    max_score = std::max(max_score, p[j]);
  }
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < n; ++j) {
    p[j] = kernels::vexp(p[j] - max_score);
    sum += p[j];
  }
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) p[j] /= sum;
  kernels::vector_matrix(n, hd, p, values, hd, o);  // p · V
}

}  // namespace

void StepEngine::rope_angles(int64_t position, float* cos_sin) const {
  const int64_t half = static_cast<int64_t>(inv_freq_.size());
  for (int64_t i = 0; i < half; ++i) {
    const double theta = static_cast<double>(position) * inv_freq_[i];
    cos_sin[i] = static_cast<float>(std::cos(theta));
    cos_sin[half + i] = static_cast<float>(std::sin(theta));
  }
}

void StepEngine::attention_step(const AttentionLayer& w, LayerState& cache, const Scratch& s, int64_t batch,
                                int64_t position) const {
  const int64_t D = config_.d_model, H = config_.n_head, hd = config_.head_dim();
  const int64_t W = config_.window;
  norm(w.norm, s.hidden, s.normed, batch);
  kernels::gemv(batch, D, 3 * D, s.normed, D, w.in_proj.data(), w.in_bias.data(), s.wide);  // (B, 3D) [q | k | v]
  if (!inv_freq_.empty()) {
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t h = 0; h < 2 * H; ++h) rotate(s.wide + b * 3 * D + h * hd, s.rope, hd / 2);  // q and k heads
  }

  // Append this token's k, v.
  int64_t capacity = static_cast<int64_t>(cache.keys.size()) / (batch * D);
  if (W == 0 && position == capacity) {
    double_capacity(cache.keys, batch * D, capacity);          // B·H·hd rows of S slots
    double_capacity(cache.values, batch * H, capacity * hd);   // B·H rows of S·hd
    capacity *= 2;
  }
  const int64_t slot = W > 0 ? position % W : position;
  for (int64_t b = 0; b < batch; ++b) {
    const float* k = s.wide + b * 3 * D + D;  // (H, hd)
    const float* v = k + D;                   // (H, hd)
    float* keys = cache.keys.data() + b * D * capacity + slot;  // column `slot` of rows (b, h, e)
    for (int64_t i = 0; i < D; ++i) keys[i * capacity] = k[i];
    for (int64_t h = 0; h < H; ++h)
      std::memcpy(cache.values.data() + ((b * H + h) * capacity + slot) * hd, v + h * hd, hd * sizeof(float));
  }

  // Each (b, h): o = softmax(q Kᵀ / √hd) V over the live slots.
  const int64_t n = cache_slots(position + 1);
  const int64_t units = batch * H;
  at::parallel_for(0, units, n >= kParallelKeys ? 1 : units, [&](int64_t begin, int64_t end) {
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t b = unit / H, h = unit % H;
      const int64_t offset = unit * hd * capacity;  // (b, h) block: keys (hd, S), values (S, hd)
      const HeadBias bias{static_cast<float>(positions_.slope(h)), positions_.biased() ? positions_.reach(h) : 0,
                          position, W};
      attend(s.wide + b * 3 * D + h * hd, cache.keys.data() + offset, cache.values.data() + offset, capacity, n, hd,
             bias, s.scores + unit * n, s.inner + b * D + h * hd);
    }
  });

  kernels::gemv(batch, D, D, s.inner, D, w.out_proj.data(), w.out_bias.data(), s.hidden, /*accumulate=*/true);
  mlp_step(w.mlp, s, batch);
}

void StepEngine::mlp_step(const Mlp& w, const Scratch& s, int64_t batch) const {
  const int64_t D = config_.d_model, F = config_.mlp_ratio * D;
  norm(w.norm2, s.hidden, s.normed, batch);
  kernels::gemv(batch, D, F, s.normed, D, w.fc1.data(), w.fc1_bias.data(), s.wide);  // (B, F)
  kernels::gelu(s.wide, batch * F);
  kernels::gemv(batch, F, D, s.wide, F, w.fc2.data(), w.fc2_bias.data(), s.hidden, /*accumulate=*/true);
}

}  // namespace fl
