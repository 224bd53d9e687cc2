#include "engine/lm_engine.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "engine/engine_mode.h"
#include "engine/mamba_layer.h"
#include "engine/transformer_layer.h"
#include "kernels/cross_entropy.h"
#include "kernels/gemm.h"
#include "kernels/parallel.h"

namespace fl::engine {

namespace {

constexpr int64_t kColumnBlock = 16;  // embedding-gradient columns per work unit

}  // namespace

template <typename T>
LanguageModelEngine<T>::LanguageModelEngine(LanguageModel& model) : config_(model->config()), params_(model) {
  require(flat_engine_supports(config_), "the flat engine has no " + std::string(to_string(config_.family)) +
                                             " layer: train " + config_.label() + " with --engine libtorch");
  for (int64_t i = 0; i < config_.n_layer; ++i) {
    if (config_.layer_family(i) == ModelFamily::mamba)
      layers_.push_back(std::make_unique<MambaLayer<T>>(params_, config_, i));
    else
      layers_.push_back(std::make_unique<TransformerLayer<T>>(params_, config_, i));
  }
  norm_f_ = NormOp<T>(params_, "backbone.norm_f", config_);
  head_ = Linear<T>(params_, "backbone.embedding", false);
}

template <typename T>
void LanguageModelEngine<T>::plan(int64_t B, int64_t L) {
  B_ = B, L_ = L;
  const int64_t M = B * L, D = config_.d_model, V = config_.vocab_size;
  arena_.plan([&](Arena<T>& a) {
    hidden_.assign(layers_.size() + 1, nullptr);
    for (auto& h : hidden_) h = a.take(M * D);
    for (auto& layer : layers_) layer->plan(a, B, L);
    norm_f_.plan(a, M);
    dh_ = a.take(M * D);
    rows_ = a.take(M * D);
    normed_ = a.take(M * D);
    dnormed_ = a.take(M * D);
    logits_ = a.take(M * V);
    norm_work_ = a.take(NormOp<T>::scratch(M, D));
    const int64_t scratch = a.mark();
    for (auto& layer : layers_) {
      layer->plan_scratch(a, B, L);
      a.rewind(scratch);
    }
  });
}

template <typename T>
void LanguageModelEngine<T>::embed(const int64_t* tokens /* (B, L) */) {
  const int64_t D = config_.d_model, V = config_.vocab_size, M = B_ * L_;
  const bool learned = params_.has("backbone.pos_embedding.weight");
  if (learned)
    require(L_ <= config_.max_len, "sequence position " + std::to_string(L_ - 1) +
                                       " is beyond model.max_len = " + std::to_string(config_.max_len));
  for (int64_t r = 0; r < M; ++r)
    TORCH_CHECK(tokens[r] >= 0 && tokens[r] < V, "token id ", tokens[r], " is outside the vocabulary [0, ", V, ")");
  const T* E = params_.value("backbone.embedding.weight");                           // (V, D)
  const T* P = learned ? params_.value("backbone.pos_embedding.weight") : nullptr;  // (max_len, D)
  T* h = hidden_[0];
  at::parallel_for(0, M, kernels::grain(D), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* e = E + tokens[r] * D;
      T* out = h + r * D;
      if (P) {
        const T* p = P + (r % L_) * D;
#pragma omp simd
        for (int64_t d = 0; d < D; ++d) out[d] = e[d] + p[d];
      } else {
        std::copy(e, e + D, out);
      }
    }
  });
}

template <typename T>
double LanguageModelEngine<T>::head(const int64_t* targets, const bool* mask) {
  const int64_t M = B_ * L_, D = config_.d_model, V = config_.vocab_size;
  loss_rows_.clear(), loss_targets_.clear();
  for (int64_t r = 0; r < M; ++r)
    if (mask[r]) loss_rows_.push_back(r), loss_targets_.push_back(targets[r]);
  const int64_t n = static_cast<int64_t>(loss_rows_.size());
  std::fill(dh_, dh_ + M * D, T(0));
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  for (int64_t i = 0; i < n; ++i)
    TORCH_CHECK(loss_targets_[i] >= 0 && loss_targets_[i] < V, "target id ", loss_targets_[i],
                " is outside the vocabulary [0, ", V, ")");
  const T* h = hidden_.back();
  for (int64_t i = 0; i < n; ++i) std::copy(h + loss_rows_[i] * D, h + (loss_rows_[i] + 1) * D, rows_ + i * D);
  norm_f_.forward(rows_, n, normed_);
  head_.forward(n, normed_, D, logits_, V);  // (n, V)
  row_losses_.resize(n);
  const double loss =
      kernels::cross_entropy_forward_backward(logits_, loss_targets_.data(), n, V, logits_, row_losses_.data());
  head_.backward(n, normed_, D, logits_, V, dnormed_, D, false);  // dE written, dnormed = dlogits · E
  norm_f_.backward(rows_, dnormed_, n, normed_, /*accumulate=*/false, norm_work_);  // normed_ ← d rows
  for (int64_t i = 0; i < n; ++i) std::copy(normed_ + i * D, normed_ + (i + 1) * D, dh_ + loss_rows_[i] * D);
  return loss;
}

// dE[token] += dh (on top of the head's gradient); dP[t] = Σ_b dh[b, t]. Parallel over blocks
// of columns, rows in order: the same sums whatever the thread count.
template <typename T>
void LanguageModelEngine<T>::embed_backward(const int64_t* tokens) {
  const int64_t D = config_.d_model, M = B_ * L_;
  T* dE = params_.grad("backbone.embedding.weight");
  const bool learned = params_.has("backbone.pos_embedding.weight");
  T* dP = learned ? params_.grad("backbone.pos_embedding.weight") : nullptr;
  if (dP) std::fill(dP, dP + config_.max_len * D, T(0));
  at::parallel_for(0, (D + kColumnBlock - 1) / kColumnBlock, kernels::grain(kColumnBlock * M),
                   [&](int64_t begin, int64_t end) {
                     const int64_t c0 = begin * kColumnBlock, c1 = std::min(D, end * kColumnBlock);
                     for (int64_t r = 0; r < M; ++r) {
                       const T* g = dh_ + r * D;
                       T* e = dE + tokens[r] * D;
                       T* p = dP ? dP + (r % L_) * D : nullptr;
#pragma omp simd
                       for (int64_t c = c0; c < c1; ++c) e[c] += g[c];
                       if (p) {
#pragma omp simd
                         for (int64_t c = c0; c < c1; ++c) p[c] += g[c];
                       }
                     }
                   });
}

template <typename T>
double LanguageModelEngine<T>::forward_backward(const int64_t* tokens, const int64_t* targets, const bool* mask,
                                                int64_t B, int64_t L) {
  TORCH_CHECK(B >= 1 && L >= 1, "LanguageModelEngine: empty batch (", B, ", ", L, ")");
  if (B != B_ || L != L_) plan(B, L);
  embed(tokens);
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->forward(hidden_[i], hidden_[i + 1]);
  const double loss = head(targets, mask);
  if (loss_rows_.empty()) return loss;  // NaN, as torch's mean over no targets
  for (size_t i = layers_.size(); i-- > 0;) layers_[i]->backward(hidden_[i], dh_);
  embed_backward(tokens);
  return loss;
}

template class LanguageModelEngine<float>;
template class LanguageModelEngine<double>;

}  // namespace fl::engine
