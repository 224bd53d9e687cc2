#include "cost/analytic_cost.h"

#include <algorithm>

namespace fl::cost {
namespace {

constexpr int64_t kBytesPerValue = 4;  // float32

int64_t norm_flops(const ModelConfig& c) { return (c.norm == "layernorm" ? 8 : 4) * c.d_model; }

// Keys attended by the step at position t: the cached ones and the new token's.
int64_t keys_attended(const ModelConfig& c, int64_t t) { return c.window > 0 ? std::min(t + 1, c.window) : t + 1; }

// Attention FLOPs per attended key in one block: q·k (2D), softmax (6 per head), p·v (2D), and
// with ALiBi the bias −m_h·(i − j) (2 per head).
int64_t flops_per_key(const ModelConfig& c) { return 4 * c.d_model + (c.pos == "alibi" ? 8 : 6) * c.n_head; }

std::vector<OpCost> mamba_block_ops(const ModelConfig& c) {
  const int64_t D = c.d_model, Di = c.d_inner(), N = c.d_state, K = c.d_conv, R = c.dt_rank;
  const auto M = OpKind::matmul, E = OpKind::elementwise;
  return {
      {"norm", c.norm == "layernorm" ? "8D" : "4D", E, norm_flops(c)},
      {"in_proj", "2·D·2Di", M, 2 * D * 2 * Di},
      {"conv", "2·K·Di + Di", E, 2 * K * Di + Di},
      {"silu", "Di", E, Di},
      {"x_proj", "2·Di·(R + 2N)", M, 2 * Di * (R + 2 * N)},
      {"dt_proj", "2·R·Di", M, 2 * R * Di},
      {"dt_bias+softplus", "2·Di", E, 2 * Di},
      {"scan", "7·Di·N", OpKind::mixer, 7 * Di * N},
      {"gate", "4·Di", E, 4 * Di},
      {"out_proj", "2·Di·D", M, 2 * Di * D},
      {"residual", "D", E, D},
  };
}

std::vector<OpCost> lstm_block_ops(const ModelConfig& c) {
  const int64_t D = c.d_model, Hl = c.lstm_size();
  const auto M = OpKind::matmul, E = OpKind::elementwise;
  return {
      {"norm", c.norm == "layernorm" ? "8D" : "4D", E, norm_flops(c)},
      {"w_ih", "2·D·4Hl", M, 2 * D * 4 * Hl},
      {"w_hh", "2·Hl·4Hl", M, 2 * Hl * 4 * Hl},
      {"gate_sum+bias", "8Hl", E, 8 * Hl},
      {"gate_act", "4Hl", E, 4 * Hl},
      {"cell", "5Hl", OpKind::mixer, 5 * Hl},
      {"out_proj", "2·Hl·D", M, 2 * Hl * D},
      {"residual", "D", E, D},
  };
}

std::vector<OpCost> mamba2_block_ops(const ModelConfig& c) {
  const int64_t D = c.d_model, Di = c.d_inner(), N = c.d_state, K = c.d_conv, GN = c.ngroups * c.d_state;
  const int64_t Hm = c.mamba2_heads(), Cc = c.mamba2_conv_dim();
  const auto M = OpKind::matmul, E = OpKind::elementwise;
  return {
      {"norm", c.norm == "layernorm" ? "8D" : "4D", E, norm_flops(c)},
      {"in_proj", "2·D·(2Di + 2GN + Hm)", M, 2 * D * (2 * Di + 2 * GN + Hm)},
      {"conv", "2·K·Cc + Cc", E, 2 * K * Cc + Cc},
      {"silu", "Cc", E, Cc},
      {"dt_bias+softplus", "2·Hm", E, 2 * Hm},
      {"decay", "2·Hm", E, 2 * Hm},
      {"scan", "5·Di·N + Di", OpKind::mixer, 5 * Di * N + Di},
      {"skip", "2·Di", E, 2 * Di},
      {"gated_norm", "6·Di", E, 6 * Di},
      {"out_proj", "2·Di·D", M, 2 * Di * D},
      {"residual", "D", E, D},
  };
}

// The MLP half of a Transformer or linear-attention block.
std::vector<OpCost> mlp_ops(const ModelConfig& c) {
  const int64_t D = c.d_model, F = c.mlp_ratio * c.d_model;
  const auto M = OpKind::matmul, E = OpKind::elementwise;
  return {
      {"norm2", c.norm == "layernorm" ? "8D" : "4D", E, norm_flops(c)},
      {"fc1", "2·D·F", M, 2 * D * F},
      {"fc1_bias+gelu", "2F", E, 2 * F},
      {"fc2", "2·F·D", M, 2 * F * D},
      {"fc2_bias+residual", "2D", E, 2 * D},
  };
}

std::vector<OpCost> linear_block_ops(const ModelConfig& c) {
  const int64_t D = c.d_model, hd = c.head_dim(), r = kGlaGateRank;
  const auto M = OpKind::matmul, E = OpKind::elementwise;
  std::vector<OpCost> ops = {
      {"norm", c.norm == "layernorm" ? "8D" : "4D", E, norm_flops(c)},
      {"qkvg_proj", "2·D·4D", M, 2 * D * 4 * D},
      {"q_scale", "D", E, D},
  };
  if (c.decay == "gla") {
    ops.push_back({"gk_proj", "2·D·16 + 2·16·D", M, 4 * D * r});
    ops.push_back({"gate", "4D", E, 4 * D});  // bias, logsigmoid, /16, exp
  }
  if (c.decay == "none") ops.push_back({"scan", "4·D·hd", OpKind::mixer, 4 * D * hd});
  else ops.push_back({"scan", "5·D·hd", OpKind::mixer, 5 * D * hd});
  const std::vector<OpCost> rest = {
      {"gated_norm", "6D", E, 6 * D},
      {"o_proj", "2·D·D", M, 2 * D * D},
      {"residual", "D", E, D},
  };
  ops.insert(ops.end(), rest.begin(), rest.end());
  const auto mlp = mlp_ops(c);
  ops.insert(ops.end(), mlp.begin(), mlp.end());
  return ops;
}

std::vector<OpCost> transformer_block_ops(const ModelConfig& c, int64_t t) {
  const int64_t D = c.d_model, H = c.n_head, n = keys_attended(c, t);
  const auto M = OpKind::matmul, E = OpKind::elementwise, X = OpKind::mixer;
  const std::string norm = c.norm == "layernorm" ? "8D" : "4D";
  std::vector<OpCost> ops = {
      {"norm", norm, E, norm_flops(c)},
      {"in_proj", "2·D·3D", M, 2 * D * 3 * D},
      {"in_bias", "3D", E, 3 * D},
  };
  if (c.pos == "rope") ops.push_back({"rope", "6·D", E, 6 * D});
  if (c.pos == "alibi") ops.push_back({"alibi", "2·H·n", X, 2 * H * n});  // −m_h·d on every score
  const std::vector<OpCost> rest = {
      {"scores", "2·D·n", X, 2 * D * n},
      {"softmax", "6·H·n", X, 6 * H * n},
      {"mix", "2·D·n", X, 2 * D * n},
      {"out_proj", "2·D·D", M, 2 * D * D},
      {"out_bias+residual", "2D", E, 2 * D},
  };
  ops.insert(ops.end(), rest.begin(), rest.end());
  const auto mlp = mlp_ops(c);
  ops.insert(ops.end(), mlp.begin(), mlp.end());
  return ops;
}

int64_t sum_flops(const std::vector<OpCost>& ops, const OpKind* only) {
  int64_t total = 0;
  for (const auto& op : ops)
    if (only == nullptr || op.kind == *only) total += op.flops;
  return total;
}

int64_t flops_of(const ModelConfig& c, int64_t t, const OpKind* only) {
  int64_t total = sum_flops(frame_ops(c, t), only);
  for (int64_t i = 0; i < c.n_layer; ++i) total += sum_flops(block_ops(c, i, t), only);
  return total;
}

int64_t attention_layers(const ModelConfig& c) {
  int64_t n = 0;
  for (int64_t i = 0; i < c.n_layer; ++i) n += c.layer_family(i) == ModelFamily::transformer;
  return n;
}

}  // namespace

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::matmul: return "matmul";
    case OpKind::mixer: return "mixer";
    case OpKind::elementwise: return "elementwise";
  }
  return "?";
}

std::vector<OpCost> block_ops(const ModelConfig& config, int64_t layer, int64_t t) {
  switch (config.layer_family(layer)) {
    case ModelFamily::mamba: return mamba_block_ops(config);
    case ModelFamily::lstm: return lstm_block_ops(config);
    case ModelFamily::mamba2: return mamba2_block_ops(config);
    case ModelFamily::linear: return linear_block_ops(config);
    default: return transformer_block_ops(config, t);
  }
}

std::vector<OpCost> frame_ops(const ModelConfig& c, int64_t /*t*/) {
  const int64_t D = c.d_model;
  std::vector<OpCost> ops;
  if (c.learned_positions()) ops.push_back({"pos_embedding", "D", OpKind::elementwise, D});
  if (c.has_attention() && c.pos == "rope") ops.push_back({"rope_angles", "3·hd/2", OpKind::elementwise, 3 * c.head_dim() / 2});
  ops.push_back({"norm_f", c.norm == "layernorm" ? "8D" : "4D", OpKind::elementwise, norm_flops(c)});
  ops.push_back({"head", "2·D·V", OpKind::matmul, 2 * D * c.vocab_size});
  return ops;
}

int64_t flops_per_token(const ModelConfig& config, int64_t t) { return flops_of(config, t, nullptr); }

int64_t flops_per_token(const ModelConfig& config, int64_t t, OpKind kind) { return flops_of(config, t, &kind); }

// flops_per_token(t) = fixed + per_key · n(t) with n(t) = min(t + 1, W), so the sum over t < T is
// T · fixed + per_key · Σ_{m=1}^{T} min(m, W).
double total_flops(const ModelConfig& config, int64_t T) {
  if (T <= 0) return 0;
  if (!config.has_attention()) return static_cast<double>(T) * static_cast<double>(flops_per_token(config, 0));
  const double per_key = static_cast<double>(attention_layers(config) * flops_per_key(config));
  const double fixed = static_cast<double>(flops_per_token(config, 0)) - per_key;  // n(0) = 1
  const double t = static_cast<double>(T), W = static_cast<double>(config.window);
  const double keys = (config.window == 0 || T <= config.window) ? t * (t + 1) / 2 : W * (W + 1) / 2 + (t - W) * W;
  return t * fixed + per_key * keys;
}

int64_t cached_tokens(const ModelConfig& config, int64_t t) {
  if (!config.has_attention()) return 0;
  return config.window > 0 ? std::min(t, config.window) : t;
}

int64_t layer_state_bytes(const ModelConfig& config, int64_t layer, int64_t t) {
  switch (config.layer_family(layer)) {
    case ModelFamily::mamba: return config.d_inner() * (config.d_conv + config.d_state) * kBytesPerValue;
    case ModelFamily::lstm: return 2 * config.lstm_size() * kBytesPerValue;
    case ModelFamily::mamba2:
      return (config.mamba2_conv_dim() * config.d_conv + config.d_inner() * config.d_state) * kBytesPerValue;
    case ModelFamily::linear: return config.d_model * config.head_dim() * kBytesPerValue;
    default: return 2 * cached_tokens(config, t) * config.d_model * kBytesPerValue;
  }
}

int64_t state_bytes(const ModelConfig& config, int64_t t) {
  int64_t total = 0;
  for (int64_t i = 0; i < config.n_layer; ++i) total += layer_state_bytes(config, i, t);
  return total;
}

int64_t state_bytes_read(const ModelConfig& config, int64_t t) {
  int64_t total = 0;
  for (int64_t i = 0; i < config.n_layer; ++i)
    total += config.layer_family(i) == ModelFamily::transformer
                 ? 2 * keys_attended(config, t) * config.d_model * kBytesPerValue
                 : layer_state_bytes(config, i, t);  // a constant state is read whole
  return total;
}

}  // namespace fl::cost
