// Mamba's hidden attention (docs/SOURCES.md §2; the linear-attention view of the selective scan);
// Mamba-2's and linear attention's: theory/scan_attention.h, dispatched from here. The
// scan of one Mamba layer (kernels/selective_scan.h), with h_0 = 0,
//   h_t = a_t ⊙ h_{t-1} + (δ_t x_t) ⊗ B_t,   a_t[d, n] = exp(δ_t[d] A[d, n]),
// unrolls to
//   h_i = Σ_{j≤i} α_ij ⊙ (δ_j x_j) ⊗ B_j,
//   α_ij[d, n] = Π_{k=j+1..i} a_k[d, n] = exp(A[d, n] Σ_{k=j+1..i} δ_k[d])   ∈ (0, 1], α_ii = 1,
// so each channel d is a causal linear attention over the values v_j[d] = δ_j[d] x_j[d]:
//   S_ij[d]  = Σ_n α_ij[d, n] C_i[n] B_j[n]                 the hidden attention score (0 for j > i)
//   y_i[d]   = Σ_{j≤i} S_ij[d] v_j[d] + D[d] x_i[d]
//   out_i[d] = y_i[d] · SiLU(z_i[d])                        the gated scan output (out_proj's input)
// Averages: over channels, mean_d |S_ij[d]| (the signs of C·B differ between channels and would
// cancel); the decay alone, ᾱ_ij = mean_{d,n} α_ij[d, n]; the decay profile
//   decay(L) = mean over b and i ≥ L of ᾱ_{i,i−L}          (decay(0) = 1; exp(−a δ L) when
//                                                           every δ_k = δ and every A[d, n] = −a).
// Verification: out rebuilt from S reproduces the scan (kernels::selective_scan on the same
// inputs) and, through out_proj, the layer's own mixer output. Everything is computed in the
// dtype of the inputs; analyse_mamba_attention converts the model to float64.
// The Transformer's counterpart: per layer the softmax probabilities p_ij (B, H, L, L) of
// AttentionImpl::weights on the same tokens.
// Shapes: B batch, L positions, Di = expand·d_model channels, N = d_state, H heads.
#pragma once
#include <optional>
#include <vector>

#include <torch/torch.h>

#include "models/lm.h"
#include "models/mamba.h"

namespace fl::theory {

// The scan's inputs with δ final (bias and softplus applied).
struct ScanInputs {
  torch::Tensor x;       // (B, L, Di) the scan's u (conv + SiLU output)
  torch::Tensor delta;   // (B, L, Di) δ = softplus(dt_raw + dt_proj bias)
  torch::Tensor Bm, Cm;  // (B, L, N)
  torch::Tensor z;       // (B, L, Di) gate input; undefined = no gate
  torch::Tensor A;       // (Di, N) −exp(A_log)
  torch::Tensor D;       // (Di)
};

// The inputs `mixer` feeds its scan for the mixer input u (B, L, D) (the block's norm applied).
ScanInputs scan_inputs(MambaMixerImpl& mixer, const torch::Tensor& u);

struct HiddenAttention {
  torch::Tensor scores;      // (B, Di, L, L) S_ij[d], 0 above the diagonal (per head, (B, H, L, L), for
                             // Mamba-2 and linear attention: theory/scan_attention.h)
  torch::Tensor alpha_mean;  // (B, L, L) ᾱ_ij = mean_{d,n} α_ij[d, n], 0 above the diagonal
};

// Materialises S and ᾱ (memory: 3·B·Di·L² values at once).
HiddenAttention hidden_attention(const ScanInputs& s);

// out_i (B, L, Di) rebuilt from the scores: (Σ_j S_ij δ_j x_j + D x_i) · SiLU(z_i).
torch::Tensor attention_output(const HiddenAttention& a, const ScanInputs& s);

// out (B, L, Di) from the scan itself: kernels::selective_scan on the same inputs.
torch::Tensor scan_output(const ScanInputs& s);

// mean_d |S_ij[d]|, (B, L, L).
torch::Tensor channel_mean_abs(const HiddenAttention& a);

// profile[L] = mean over b (and heads) and i ≥ L of maps[…, i, i − L], for L = 0 … len−1, from
// maps (B, L, L) or (B, H, L, L): the decay profile from ᾱ, or the mean attention probability at
// distance L from a Transformer's p.
std::vector<double> distance_profile(const torch::Tensor& maps);

// max |got − want| / max |want| (0 when both are 0).
double relative_error(const torch::Tensor& got, const torch::Tensor& want);

// One layer on a token sequence, in float64: Mamba's maps per channel, Mamba-2's and linear
// attention's per head (theory/scan_attention.h).
struct LayerAttention {
  int64_t layer = 0;
  HiddenAttention maps;
  double scan_error = 0;   // relative_error(the output rebuilt from the maps, the scan's own output)
  double mixer_error = 0;  // relative_error(out_proj(attention_output), the layer's mixer output), (B, L, D)
  std::vector<double> decay;  // distance_profile(maps.alpha_mean)
};

// Whether `family` has a hidden attention this module analyses: Mamba, a hybrid (its Mamba layers),
// Mamba-2, linear attention.
bool has_hidden_attention(ModelFamily family);
// The maps per layer: Mamba's (and a hybrid's Mamba layers') channels (Di), or the heads of
// Mamba-2 / linear attention.
int64_t attention_units(const ModelConfig& config);
// "channel" (Mamba, hybrid) or "head".
const char* attention_unit_name(ModelFamily family);

// Converts `model` (a Mamba, hybrid, Mamba-2 or linear-attention LM) to float64 in place, runs it
// on tokens (B, L) int64 and analyses every layer (a hybrid's Mamba layers; its attention layers
// are run, not analysed), or only `layer`. fl::Error for another family, a layer out of range or
// one of a hybrid's attention layers, or maps that would need more than 4 GiB.
std::vector<LayerAttention> analyse_hidden_attention(LanguageModel& model, const torch::Tensor& tokens,
                                                     std::optional<int64_t> layer = std::nullopt);

// Softmax probabilities (B, H, L, L) of every layer of a Transformer LM on tokens (B, L) int64, in
// the model's dtype. fl::Error for a non-Transformer model.
std::vector<torch::Tensor> transformer_attention_maps(LanguageModel& model, const torch::Tensor& tokens);

}  // namespace fl::theory
