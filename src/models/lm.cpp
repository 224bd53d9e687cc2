#include "models/lm.h"

#include "core/error.h"
#include "models/linear_attention.h"
#include "models/lstm.h"
#include "models/mamba.h"
#include "models/mamba2.h"
#include "models/transformer.h"

namespace fl {

LanguageModelImpl::LanguageModelImpl(const ModelConfig& c) : config_(c) {
  backbone_ = register_module("backbone", std::make_shared<torch::nn::Module>());
  embedding_ = backbone_->register_module("embedding", torch::nn::Embedding(c.vocab_size, c.d_model));
  if (c.learned_positions())
    pos_embedding_ = backbone_->register_module("pos_embedding", torch::nn::Embedding(c.max_len, c.d_model));
  auto layers = backbone_->register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.n_layer; ++i) {
    std::shared_ptr<Block> block;
    switch (c.layer_family(i)) {
      case ModelFamily::mamba: block = std::make_shared<MambaBlock>(c); break;
      case ModelFamily::lstm: block = std::make_shared<LstmBlock>(c); break;
      case ModelFamily::mamba2: block = std::make_shared<Mamba2Block>(c); break;
      case ModelFamily::linear: block = std::make_shared<LinearAttentionBlock>(c); break;
      default: block = std::make_shared<TransformerBlock>(c);
    }
    layers->push_back(block);
    blocks_.push_back(block);
  }
  norm_f_ = backbone_->register_module("norm_f", Norm(c.d_model, c.norm, c.norm_eps));

  torch::NoGradGuard no_grad;
  embedding_->weight.normal_(0.0, 0.02);
  if (pos_embedding_) pos_embedding_->weight.normal_(0.0, 0.02);
  for (auto& block : blocks_) block->reset_parameters();
}

torch::Tensor LanguageModelImpl::embed(const torch::Tensor& tokens, int64_t start) {
  auto h = embedding_(tokens);  // (B, L, D)
  if (pos_embedding_) {
    const int64_t L = tokens.size(1);
    require(start + L <= config_.max_len, "sequence position " + std::to_string(start + L - 1) +
                                              " is beyond model.max_len = " + std::to_string(config_.max_len));
    h = h + pos_embedding_(torch::arange(start, start + L));
  }
  return h;
}

torch::Tensor LanguageModelImpl::head(const torch::Tensor& h) {
  return torch::matmul(norm_f_(h), embedding_->weight.t());
}

torch::Tensor LanguageModelImpl::forward(const torch::Tensor& tokens) {
  auto h = embed(tokens, 0);                      // (B, L, D)
  for (auto& block : blocks_) h = block->forward(h);
  return head(h);                                 // (B, L, V)
}

ModelCache LanguageModelImpl::make_cache(int64_t batch) const {
  ModelCache cache;
  const auto dtype = embedding_->weight.scalar_type();
  for (const auto& block : blocks_) cache.layers.push_back(block->make_cache(batch, dtype));
  return cache;
}

torch::Tensor LanguageModelImpl::step(const torch::Tensor& tokens, ModelCache& cache) {
  auto h = embed(tokens.unsqueeze(1), cache.position).squeeze(1);  // (B, D)
  for (size_t i = 0; i < blocks_.size(); ++i) h = blocks_[i]->step(h, *cache.layers[i], cache.position);
  ++cache.position;
  return head(h);                                                   // (B, V)
}

int64_t LanguageModelImpl::num_parameters() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

int64_t LanguageModelImpl::state_bytes(int64_t t) const {
  int64_t total = 0;
  for (const auto& block : blocks_) total += block->state_bytes(t, sizeof(float));
  return total;
}

std::vector<std::pair<std::string, torch::Tensor>> LanguageModelImpl::named_weights() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : named_parameters()) out.emplace_back(item.key(), item.value());
  out.emplace_back("lm_head.weight", embedding_->weight);
  return out;
}

bool LanguageModelImpl::decays(const std::string& name, const torch::Tensor& p) {
  const std::string a_log = "A_log";
  const bool is_a_log = name.size() >= a_log.size() && name.compare(name.size() - a_log.size(), a_log.size(), a_log) == 0;
  return p.dim() >= 2 && !is_a_log;
}

}  // namespace fl
