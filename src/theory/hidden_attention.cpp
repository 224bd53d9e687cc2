#include "theory/hidden_attention.h"

#include <string>

#include "core/error.h"
#include "kernels/selective_scan.h"
#include "models/transformer.h"
#include "render/table.h"
#include "theory/scan_attention.h"

namespace fl::theory {

ScanInputs scan_inputs(MambaMixerImpl& mixer, const torch::Tensor& u) {
  const auto m = mixer.scan_inputs(u);
  return {m.x, torch::softplus(m.dt_raw + mixer.dt_proj->bias), m.Bm, m.Cm, m.z, -torch::exp(mixer.A_log), mixer.D};
}

HiddenAttention hidden_attention(const ScanInputs& s) {
  torch::NoGradGuard no_grad;
  const int64_t B = s.x.size(0), L = s.x.size(1), Di = s.x.size(2), N = s.A.size(1);
  const auto cum = torch::cumsum(s.delta, 1).transpose(1, 2);               // (B, Di, L) Δ_i = Σ_{k≤i} δ_k
  const auto span = cum.unsqueeze(-1) - cum.unsqueeze(-2);                  // (B, Di, L, L) Δ_i − Δ_j = Σ_{k=j+1..i} δ_k
  const auto above = torch::ones({L, L}, torch::kBool).triu(1);            // (L, L) j > i
  auto scores = torch::zeros({B, Di, L, L}, s.x.options());                 // (B, Di, L, L)
  auto alpha_sum = torch::zeros({B, L, L}, s.x.options());                  // (B, L, L)
  for (int64_t n = 0; n < N; ++n) {
    auto alpha = torch::exp(span * s.A.select(1, n).reshape({1, Di, 1, 1})).masked_fill_(above, 0);  // (B, Di, L, L)
    const auto cb = s.Cm.select(2, n).unsqueeze(-1) * s.Bm.select(2, n).unsqueeze(-2);         // (B, L, L) C_i[n] B_j[n]
    scores.addcmul_(alpha, cb.unsqueeze(1));
    alpha_sum.add_(alpha.sum(1));
  }
  return {scores, alpha_sum / static_cast<double>(Di * N)};
}

torch::Tensor attention_output(const HiddenAttention& a, const ScanInputs& s) {
  torch::NoGradGuard no_grad;
  const auto v = (s.delta * s.x).transpose(1, 2).unsqueeze(-1);                       // (B, Di, L, 1) v_j = δ_j x_j
  const auto y = torch::matmul(a.scores, v).squeeze(-1).transpose(1, 2) + s.D * s.x;  // (B, L, Di)
  return s.z.defined() ? y * torch::silu(s.z) : y;
}

torch::Tensor scan_output(const ScanInputs& s) {
  torch::NoGradGuard no_grad;
  return kernels::selective_scan(s.x, s.delta, s.A, s.Bm, s.Cm, s.D, s.z);  // (B, L, Di)
}

torch::Tensor channel_mean_abs(const HiddenAttention& a) { return a.scores.abs().mean(1); }  // (B, L, L)

std::vector<double> distance_profile(const torch::Tensor& maps) {
  const int64_t L = maps.size(-1);
  std::vector<double> profile;
  for (int64_t distance = 0; distance < L; ++distance)
    profile.push_back(maps.diagonal(-distance, -2, -1).mean().item<double>());  // (…, L − distance)
  return profile;
}

double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  const double scale = want.abs().max().item<double>(), diff = (got - want).abs().max().item<double>();
  return scale > 0 ? diff / scale : diff;
}

namespace {

// The bytes the maps of one layer hold at once for B sequences of L tokens, float64: 3 (L, L)
// maps per Mamba channel (Di), per decay of a head (Mamba-2: Hm; linear attention: H, or H·hd
// with GLA's per-channel gate).
int64_t attention_bytes(const ModelConfig& c, int64_t B, int64_t L) {
  const int64_t maps = c.has_mamba()                     ? c.d_inner()
                       : c.family == ModelFamily::mamba2 ? c.mamba2_heads()
                       : c.decay == "gla"                ? c.d_model
                                                         : c.n_head;
  return 3 * B * maps * L * L * int64_t{sizeof(double)};
}

}  // namespace

bool has_hidden_attention(ModelFamily family) {
  return family == ModelFamily::mamba || family == ModelFamily::hybrid || family == ModelFamily::mamba2 ||
         family == ModelFamily::linear;
}

int64_t attention_units(const ModelConfig& config) {
  return config.has_mamba()                     ? config.d_inner()
         : config.family == ModelFamily::mamba2 ? config.mamba2_heads()
                                                : config.n_head;
}

const char* attention_unit_name(ModelFamily family) {
  return family == ModelFamily::mamba || family == ModelFamily::hybrid ? "channel" : "head";
}

std::vector<LayerAttention> analyse_hidden_attention(LanguageModel& model, const torch::Tensor& tokens,
                                                     std::optional<int64_t> layer) {
  const auto& config = model->config();
  require(has_hidden_attention(config.family), "hidden attention needs a Mamba, hybrid, Mamba-2 or linear-attention "
                                               "model, got model.type = " + std::string(to_string(config.family)));
  const int64_t n_layer = model->num_layers();
  require(!layer || (*layer >= 0 && *layer < n_layer),
          "layer " + std::to_string(layer.value_or(0)) + " is out of range: the model has layers 0 … " +
              std::to_string(n_layer - 1));
  require(!layer || config.layer_family(*layer) != ModelFamily::transformer,
          "layer " + std::to_string(layer.value_or(0)) + " is one of the hybrid's attention layers (model.attn_layers): "
          "only its Mamba layers have a hidden attention");
  constexpr int64_t kMaxBytes = int64_t{4} << 30;
  const int64_t bytes = attention_bytes(config, tokens.size(0), tokens.size(1));
  require(bytes <= kMaxBytes, "an input of " + std::to_string(tokens.size(1)) + " tokens needs " + human_bytes(bytes) +
                                  " of attention maps per layer (at most " + human_bytes(kMaxBytes) +
                                  "): use a shorter input");
  torch::NoGradGuard no_grad;
  model->to(torch::kFloat64);
  std::vector<LayerAttention> out;
  auto h = model->embed(tokens, 0);  // (B, L, D)
  for (int64_t k = 0; k < n_layer && (!layer || k <= *layer); ++k) {
    const ModelFamily family = config.layer_family(k);
    if (family != ModelFamily::mamba) {  // a hybrid's attention layers are passed through
      if (family != ModelFamily::transformer && (!layer || k == *layer))
        out.push_back(analyse_scan_layer(model->layer(k), family, k, h));
      h = model->layer(k).forward(h);
      continue;
    }
    auto& block = dynamic_cast<MambaBlock&>(model->layer(k));
    if (!layer || k == *layer) {
      const auto u = block.norm(h);  // (B, L, D) the mixer's input
      const auto s = scan_inputs(*block.mixer, u);
      LayerAttention r;
      r.layer = k;
      r.maps = hidden_attention(s);
      const auto rebuilt = attention_output(r.maps, s);  // (B, L, Di)
      r.scan_error = relative_error(rebuilt, scan_output(s));
      r.mixer_error = relative_error(block.mixer->out_proj(rebuilt), block.mixer(u));
      r.decay = distance_profile(r.maps.alpha_mean);
      out.push_back(std::move(r));
    }
    h = block.forward(h);
  }
  return out;
}

std::vector<torch::Tensor> transformer_attention_maps(LanguageModel& model, const torch::Tensor& tokens) {
  require(model->config().family == ModelFamily::transformer,
          "attention maps need a Transformer model, got model.type = " + std::string(to_string(model->config().family)));
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> maps;
  auto h = model->embed(tokens, 0);  // (B, L, D)
  for (int64_t k = 0; k < model->num_layers(); ++k) {
    auto& block = dynamic_cast<TransformerBlock&>(model->layer(k));
    maps.push_back(block.mixer->weights(block.norm(h)));  // (B, H, L, L)
    h = block.forward(h);
  }
  return maps;
}

}  // namespace fl::theory
