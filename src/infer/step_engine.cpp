// The step engine's frame: weight snapshot, state, embedding, norms, head, and the step loop.
// The blocks live beside it: step_mamba.cpp, step_mamba2.cpp, step_attention.cpp, step_lstm.cpp and
// step_linear_attention.cpp.
#include "infer/step_engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>

#include "core/error.h"
#include "kernels/gemv.h"

namespace fl {
namespace {

constexpr int64_t kInitialSlots = 16;  // KV capacity of a fresh full-attention cache, as KVCache

// The model's parameters by name (the checkpoint names of docs/CHECKPOINTS.md), copied out as
// float32 in the layout the caller asks for.
class ParameterReader {
 public:
  explicit ParameterReader(const LanguageModel& model) : params_(model->named_parameters()) {}

  torch::Tensor tensor(const std::string& name) const {
    const torch::Tensor* p = params_.find(name);
    TORCH_CHECK(p != nullptr, "StepEngine: the model has no parameter '", name, "'");
    return p->detach().to(torch::kFloat32);
  }
  static std::vector<float> values(const torch::Tensor& t) {
    const auto c = t.contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }
  std::vector<float> operator()(const std::string& name) const { return values(tensor(name)); }

 private:
  torch::OrderedDict<std::string, torch::Tensor> params_;
};

}  // namespace

StepEngine::StepEngine(const LanguageModel& model)
    : config_(model->config()), positions_(config_.attention_positions()) {
  torch::NoGradGuard no_grad;
  const ParameterReader read(model);
  const auto read_norm = [&](const std::string& prefix) {
    Norm n{read(prefix + ".weight"), {}};
    if (config_.norm == "layernorm") n.bias = read(prefix + ".bias");
    return n;
  };
  const auto read_mlp = [&](const std::string& prefix) {  // prefix "backbone.layers.<i>."
    return Mlp{read_norm(prefix + "norm2"), read(prefix + "mlp.fc1.weight"), read(prefix + "mlp.fc1.bias"),
               read(prefix + "mlp.fc2.weight"), read(prefix + "mlp.fc2.bias")};
  };
  embedding_ = read("backbone.embedding.weight");
  if (config_.learned_positions()) pos_embedding_ = read("backbone.pos_embedding.weight");
  norm_f_ = read_norm("backbone.norm_f");
  // Each layer's block goes to the vector of its family; block_index_ records where.
  const auto append = [&](auto& blocks, auto block) {
    block_index_.push_back(static_cast<int64_t>(blocks.size()));
    blocks.push_back(std::move(block));
  };
  const auto conv_weight = [&](const std::string& name) {  // (C, 1, K) → (K, C)
    return ParameterReader::values(read.tensor(name).squeeze(1).t());
  };
  for (int64_t i = 0; i < config_.n_layer; ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    switch (config_.layer_family(i)) {
      case ModelFamily::mamba: {
        MambaLayer l;
        l.norm = read_norm(p + "norm");
        l.in_proj = read(p + "mixer.in_proj.weight");
        l.conv_weight = conv_weight(p + "mixer.conv1d.weight");  // (K, Di)
        l.conv_bias = read(p + "mixer.conv1d.bias");
        l.x_proj = read(p + "mixer.x_proj.weight");
        l.dt_proj = read(p + "mixer.dt_proj.weight");
        l.dt_bias = read(p + "mixer.dt_proj.bias");
        l.A = ParameterReader::values((-torch::exp(read.tensor(p + "mixer.A_log"))).t());  // (N, Di)
        l.D = read(p + "mixer.D");
        l.out_proj = read(p + "mixer.out_proj.weight");
        append(mamba_, std::move(l));
        break;
      }
      case ModelFamily::mamba2: {
        Mamba2Layer l;
        l.norm = read_norm(p + "norm");
        l.in_proj = read(p + "mixer.in_proj.weight");
        l.conv_weight = conv_weight(p + "mixer.conv1d.weight");  // (K, Cc)
        l.conv_bias = read(p + "mixer.conv1d.bias");
        l.dt_bias = read(p + "mixer.dt_bias");
        l.A = ParameterReader::values(-torch::exp(read.tensor(p + "mixer.A_log")));  // (Hm)
        l.D = ParameterReader::values(read.tensor(p + "mixer.D").repeat_interleave(config_.headdim));  // (Di)
        l.norm_weight = read(p + "mixer.norm.weight");
        l.out_proj = read(p + "mixer.out_proj.weight");
        append(mamba2_, std::move(l));
        break;
      }
      case ModelFamily::lstm: {
        LstmLayer l;
        l.norm = read_norm(p + "norm");
        l.w_ih = read(p + "mixer.weight_ih_l0");
        l.w_hh = read(p + "mixer.weight_hh_l0");
        l.bias = ParameterReader::values(read.tensor(p + "mixer.bias_ih_l0") + read.tensor(p + "mixer.bias_hh_l0"));
        l.out_proj = read(p + "mixer.out_proj.weight");
        append(lstm_, std::move(l));
        break;
      }
      case ModelFamily::linear: {
        LinearAttentionLayer l;
        l.norm = read_norm(p + "norm");
        std::vector<torch::Tensor> rows;
        for (const char* name : {"q_proj", "k_proj", "v_proj", "g_proj"})
          rows.push_back(read.tensor(p + "mixer." + name + ".weight"));
        if (gate_rank() > 0) {
          rows.push_back(read.tensor(p + "mixer.gk_proj.0.weight"));
          l.gate_up = read(p + "mixer.gk_proj.1.weight");
          l.gate_bias = read(p + "mixer.gk_proj.1.bias");
        } else {
          for (int64_t j = 0; j < config_.n_head; ++j) {
            const double log_decay = config_.decay == "fixed" ? ModelConfig::fixed_log_decay(j) : 0.0;
            l.decay.insert(l.decay.end(), config_.head_dim(), static_cast<float>(std::exp(log_decay)));
          }
        }
        l.in_proj = ParameterReader::values(torch::cat(rows));  // (4D + r, D)
        l.g_norm = read(p + "mixer.g_norm.weight");
        l.out_proj = read(p + "mixer.o_proj.weight");
        l.mlp = read_mlp(p);
        append(linear_, std::move(l));
        break;
      }
      case ModelFamily::transformer:
      case ModelFamily::hybrid: {  // layer_family never says hybrid
        AttentionLayer l;
        l.norm = read_norm(p + "norm");
        l.in_proj = read(p + "mixer.in_proj.weight");
        l.in_bias = read(p + "mixer.in_proj.bias");
        l.out_proj = read(p + "mixer.out_proj.weight");
        l.out_bias = read(p + "mixer.out_proj.bias");
        l.mlp = read_mlp(p);
        append(attention_, std::move(l));
        break;
      }
    }
  }
  if (config_.has_attention() && config_.pos == "rope") {
    // inv_freq_i = base^(−2i/hd) in double, as kernels/rope.cpp.
    const int64_t half = config_.head_dim() / 2;
    for (int64_t i = 0; i < half; ++i)
      inv_freq_.push_back(std::pow(config_.rope_base, -static_cast<double>(i) * 2.0 / static_cast<double>(2 * half)));
  }
}

StepState StepEngine::make_state(int64_t batch) const {
  TORCH_CHECK(batch >= 1, "StepEngine::make_state: batch must be ≥ 1, got ", batch);
  StepState state;
  state.batch = batch;
  const int64_t slots = config_.window > 0 ? config_.window : kInitialSlots;
  for (int64_t i = 0; i < config_.n_layer; ++i) {
    LayerState l;
    switch (config_.layer_family(i)) {
      case ModelFamily::mamba:
        l.conv.assign(batch * config_.d_conv * config_.d_inner(), 0.0f);          // (B, K, Di)
        l.ssm.assign(batch * config_.d_state * config_.d_inner(), 0.0f);          // (B, N, Di)
        break;
      case ModelFamily::mamba2:
        l.conv.assign(batch * config_.d_conv * config_.mamba2_conv_dim(), 0.0f);  // (B, K, Cc)
        l.ssm.assign(batch * config_.d_state * config_.d_inner(), 0.0f);          // (B, N, Di)
        break;
      case ModelFamily::lstm:
        l.h.assign(batch * config_.lstm_size(), 0.0f);                            // (B, Hl)
        l.c.assign(batch * config_.lstm_size(), 0.0f);                            // (B, Hl)
        break;
      case ModelFamily::linear:
        l.kv.assign(batch * config_.d_model * config_.head_dim(), 0.0f);          // (B, H, hd, hd)
        break;
      case ModelFamily::transformer:
      case ModelFamily::hybrid:
        l.keys.assign(batch * config_.d_model * slots, 0.0f);                     // (B, H, hd, S)
        l.values.assign(batch * slots * config_.d_model, 0.0f);                   // (B, H, S, hd)
        break;
    }
    state.layers.push_back(std::move(l));
  }
  return state;
}

int64_t StepEngine::cache_slots(int64_t position) const {
  return config_.window > 0 ? std::min(position, config_.window) : position;
}

int64_t StepEngine::state_bytes(const StepState& state) const {
  int64_t values = 0;
  for (int64_t i = 0; i < config_.n_layer; ++i) {
    const LayerState& l = state.layers[i];
    values += config_.layer_family(i) == ModelFamily::transformer
                  ? 2 * state.batch * cache_slots(state.position) * config_.d_model
                  : static_cast<int64_t>(l.conv.size() + l.ssm.size() + l.h.size() + l.c.size() + l.kv.size());
  }
  return values * static_cast<int64_t>(sizeof(float));
}

StepEngine::Scratch StepEngine::carve_scratch(StepState& state, int64_t slots) const {
  const int64_t B = state.batch, D = config_.d_model, Di = config_.d_inner();
  const int64_t F = config_.mlp_ratio * D;
  // has_mamba() and has_attention() are about Mamba-1 and softmax attention: not the two below.
  const bool mamba = config_.has_mamba(), attention = config_.has_attention();
  const bool lstm = config_.family == ModelFamily::lstm, mamba2 = config_.family == ModelFamily::mamba2;
  const bool linear = config_.family == ModelFamily::linear;
  const int64_t Cc = config_.mamba2_conv_dim(), mamba2_in = Cc + Di + config_.mamba2_heads();  // [z | xBC | dt_raw]
  // Sizes in the order of Scratch's fields; a family's own buffers are empty when no block is of it.
  const int64_t sizes[] = {
      B * D,                                                                                // hidden
      B * D,                                                                                // normed
      B * std::max({mamba ? 2 * Di : 0, attention ? std::max(3 * D, F) : 0, lstm ? 4 * config_.lstm_size() : 0,
                    mamba2 ? mamba2_in : 0, linear ? std::max(4 * D + gate_rank(), F) : 0}),  // wide
      B * std::max({mamba ? Di : 0, attention || linear ? D : 0, mamba2 ? Cc : 0}),          // inner
      mamba ? B * (config_.dt_rank + 2 * config_.d_state) : 0,                              // proj
      mamba || mamba2 ? B * Di : 0,                                                         // dt
      mamba || mamba2 ? B * Di : 0,                                                         // gated
      mamba2 ? B * Di : linear && gate_rank() > 0 ? B * D : 0,                              // decay
      attention ? config_.head_dim() : 0,                                                   // rope
      attention ? B * config_.n_head * slots : 0,                                           // scores
  };
  int64_t total = 0;
  for (int64_t n : sizes) total += n;
  if (static_cast<int64_t>(state.scratch.size()) < total) state.scratch.resize(total);
  Scratch s{};
  float** fields[] = {&s.hidden, &s.normed, &s.wide,  &s.inner, &s.proj,
                      &s.dt,     &s.gated,  &s.decay, &s.rope,  &s.scores};
  static_assert(std::size(fields) == std::size(sizes), "one size per scratch buffer");
  float* next = state.scratch.data();
  for (size_t i = 0; i < std::size(sizes); ++i) *fields[i] = next, next += sizes[i];
  return s;
}

void StepEngine::norm(const Norm& n, const float* x, float* y, int64_t batch) const {
  const int64_t D = config_.d_model;
  const auto eps = static_cast<float>(config_.norm_eps);
  for (int64_t b = 0; b < batch; ++b) {
    if (n.bias.empty()) kernels::rms_norm(x + b * D, n.weight.data(), eps, D, y + b * D);
    else kernels::layer_norm(x + b * D, n.weight.data(), n.bias.data(), eps, D, y + b * D);
  }
}

void StepEngine::embed(const int64_t* tokens, int64_t position, float* hidden, int64_t batch) const {
  const int64_t D = config_.d_model, V = config_.vocab_size;
  if (!pos_embedding_.empty())
    require(position < config_.max_len, "sequence position " + std::to_string(position) +
                                            " is beyond model.max_len = " + std::to_string(config_.max_len));
  for (int64_t b = 0; b < batch; ++b)
    TORCH_CHECK(tokens[b] >= 0 && tokens[b] < V, "StepEngine::step: token id ", tokens[b], " is outside [0, ", V, ")");
  for (int64_t b = 0; b < batch; ++b) {
    const float* e = embedding_.data() + tokens[b] * D;
    float* h = hidden + b * D;
    if (pos_embedding_.empty()) {
      std::memcpy(h, e, D * sizeof(float));
    } else {
      const float* p = pos_embedding_.data() + position * D;
#pragma omp simd
      for (int64_t i = 0; i < D; ++i) h[i] = e[i] + p[i];
    }
  }
}

void StepEngine::step(const int64_t* tokens, StepState& state, float* logits) const {
  TORCH_CHECK(static_cast<int64_t>(state.layers.size()) == config_.n_layer,
              "StepEngine::step: the state was not made by this engine");
  const int64_t B = state.batch, D = config_.d_model;
  const Scratch s = carve_scratch(state, cache_slots(state.position + 1));
  embed(tokens, state.position, s.hidden, B);  // checks first: a throw leaves the state as it was
  if (!inv_freq_.empty()) rope_angles(state.position, s.rope);
  for (int64_t i = 0; i < config_.n_layer; ++i) {
    const int64_t block = block_index_[i];
    LayerState& cache = state.layers[i];
    switch (config_.layer_family(i)) {
      case ModelFamily::mamba: mamba_step(mamba_[block], cache, s, B); break;
      case ModelFamily::mamba2: mamba2_step(mamba2_[block], cache, s, B); break;
      case ModelFamily::lstm: lstm_step(lstm_[block], cache, s, B); break;
      case ModelFamily::linear: linear_attention_step(linear_[block], cache, s, B); break;
      case ModelFamily::transformer:
      case ModelFamily::hybrid: attention_step(attention_[block], cache, s, B, state.position); break;
    }
  }
  norm(norm_f_, s.hidden, s.normed, B);
  kernels::gemv(B, D, config_.vocab_size, s.normed, D, embedding_.data(), nullptr, logits);  // (B, V)
  ++state.position;
}

}  // namespace fl
