// The nonlinear units the hand-set Mamba constructions build from the block's own parts
// (theory/local_dp_construction.h, theory/slot_dp_construction.h): a conv channel followed by the
// block's SiLU is a ramp, SiLU(β (S − c))/β = ReLU(S − c) to within β·e^{−β} ≈ 4e-8 at every integer
// S ≠ c (exactly 0 at S = c); three neighbouring ramps make a hat,
//   hat_k(S) = ρ(S − k + 1) − 2 ρ(S − k) + ρ(S − k − 1),    ρ = ReLU,
// which is 1 at S = k and 0 at every other integer. out_proj adds hats into output dimensions.
#pragma once
#include <cmath>
#include <cstdint>

namespace fl::theory {

constexpr double kSharpness = 20.0;  // β: SiLU(β z)/β = ReLU(z) within β e^{−β} ≈ 4e-8 at integer z ≠ 0
constexpr double kGate = 20.0;       // γ: a constant SiLU(z) gate input (SiLU(γ) ≈ γ)
constexpr double kOwnToken = 0.01;   // δ: a result's (and "."'s) own embedding entry on its output dimension
constexpr double kEosScore = 2.0;    // the EOS unit's output; a hat sum never exceeds 1

inline double silu(double z) { return z / (1.0 + std::exp(-z)); }

// Coefficient of the ramp at threshold c in hat_k: +1 at c = k ± 1, −2 at c = k.
inline double hat_coefficient(int64_t threshold, int64_t k) {
  return threshold == k ? -2.0 : (threshold == k - 1 || threshold == k + 1) ? 1.0 : 0.0;
}

// Coefficient of the ramp at threshold c in Σ_{k ≡ v (mod p), 0 ≤ k ≤ s_max} hat_k: the one-hot of
// S mod p, for integers 0 ≤ S ≤ s_max, from ramps at thresholds −1 … s_max + 1.
inline double hat_mod_coefficient(int64_t threshold, int64_t v, int64_t p, int64_t s_max) {
  double coef = 0.0;
  for (int64_t k = threshold - 1; k <= threshold + 1; ++k)
    if (k >= 0 && k <= s_max && k % p == v) coef += hat_coefficient(threshold, k);
  return coef;
}

}  // namespace fl::theory
