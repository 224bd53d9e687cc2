// The language-model frame shared by every mixer family:
//   token embedding (+ learned positions) → n_layer residual blocks → final norm → LM head
// The head is tied to the embedding: logits = norm_f(h) · Eᵀ.
// Two paths: forward over whole sequences (training, teacher forcing), step over one token
// with an explicit ModelCache (generation). They compute the same function.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/block.h"
#include "models/cache.h"
#include "models/model_config.h"
#include "models/norm.h"

namespace fl {

class LanguageModelImpl : public torch::nn::Module {
 public:
  // Builds and initialises the model; draws from libtorch's global generator (seed it first).
  explicit LanguageModelImpl(const ModelConfig& config);

  torch::Tensor forward(const torch::Tensor& tokens);                    // (B, L) int64 → (B, L, V)
  ModelCache make_cache(int64_t batch) const;
  torch::Tensor step(const torch::Tensor& tokens, ModelCache& cache);    // (B) int64 → (B, V)

  const ModelConfig& config() const { return config_; }
  int64_t num_layers() const { return static_cast<int64_t>(blocks_.size()); }
  Block& layer(int64_t i) { return *blocks_.at(i); }
  torch::Tensor embed(const torch::Tensor& tokens, int64_t start);       // (B, L) → (B, L, D)
  torch::Tensor head(const torch::Tensor& h);                            // (…, D) → (…, V)

  int64_t num_parameters() const;  // the tied head counted once
  // Bytes of inference state after t tokens (all layers), at 4 bytes per value (float32).
  int64_t state_bytes(int64_t t) const;
  // Checkpoint names and tensors (lm_head.weight included, equal to the embedding).
  std::vector<std::pair<std::string, torch::Tensor>> named_weights() const;
  // Weight decay applies to matrices only (dim ≥ 2: projections, conv kernels, embeddings),
  // never to A_log, D, norms or biases.
  static bool decays(const std::string& name, const torch::Tensor& p);

 private:
  ModelConfig config_;
  std::shared_ptr<torch::nn::Module> backbone_;
  torch::nn::Embedding embedding_{nullptr}, pos_embedding_{nullptr};
  std::vector<std::shared_ptr<Block>> blocks_;
  Norm norm_f_{nullptr};
};
TORCH_MODULE(LanguageModel);

}  // namespace fl
