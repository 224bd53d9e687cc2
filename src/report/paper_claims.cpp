#include "report/paper_claims.h"

#include "core/error.h"

namespace fl {

const std::vector<PaperClaim>& paper_claims() {
  static const std::vector<PaperClaim> claims{
      {"copy-state", "1. COPY vs state size",
       "Thm 1: constant-size Mamba needs a score c_i·b_pos(i) ≥ c·(1/a_min)^(L−1) + d to copy from distance L "
       "(exponential). Thm 2: a Transformer needs a logit gap growing only like log L. Thm 3: Mamba with state size "
       "linear in the sequence length copies exactly.",
       "Theorems 1–3 (docs/SOURCES.md §3)",
       "verdict_linear_size_growth (linear against logarithmic and exponential laws by AICc) on the smallest "
       "d_state reaching 95% at each length beyond the convolutions' reach; verdict_stays_accurate for the "
       "Transformer"},
      {"sample-efficiency", "2. Sample efficiency on COPY",
       "Copy — Transformers learn far faster; Mamba needs sharply more data as the maximum length grows and failed "
       "at max length 40; shrinking Mamba's width hurts more than shrinking depth.",
       "Experiments (v2/v3) (docs/SOURCES.md §3)",
       "verdict_needs_more_samples (Mamba vs Transformer: a one-sided sign test over matched runs and a trend test "
       "of the sample ratio against the length); "
       "verdict_consistently_better (reduced depth vs reduced width: paired sign-flip test)"},
      {"dp-cot", "3. DP with chain of thought",
       "CoT (LIS, arithmetic) — Transformers consistently better; Mamba with CoT sometimes worse than Mamba "
       "answering directly. Thm 4: arbitrary DP with CoT (Feng et al.'s class) needs Mamba size O(T).",
       "Experiments (v2/v3), Theorem 4 (docs/SOURCES.md §3)",
       "verdict_consistently_better (Transformer vs Mamba with CoT, paired sign-flip test), verdict_sometimes_worse "
       "(Transformer below Mamba answering directly; Mamba CoT below Mamba direct, beside the Transformer's own CoT "
       "− direct as a control), combined"},
      {"locality", "4. Locality: m-local vs arbitrary DP",
       "Thm 5: m-local DP (each step uses only the previous m results) needs size O(m); total cost O(mT), like a "
       "sliding-window Transformer. Thm 4: arbitrary DP with CoT needs Mamba size O(T).",
       "Theorems 4 and 5 (docs/SOURCES.md §3)",
       "verdict_locality (constant-state Mamba, windowed Transformer: the local form at every n, also beyond the "
       "training range, with intervals; the prefix gap counts only when the full "
       "Transformer, the control, solves the prefix form); verdict_stays_accurate (Transformer, interleaved form)"},
      {"cost", "5. Inference cost",
       "Thm 3: Mamba with state size linear in the sequence length copies exactly …, so per-step cost becomes O(L). "
       "Thm 4: … total cost O(T²), like a Transformer. Thm 5: … total cost O(mT), like a sliding-window "
       "Transformer.",
       "Theorems 3–5 (docs/SOURCES.md §3)",
       "verdict_no_free_lunch on the smallest Mamba and Transformer reaching 95% at each size T of copy (and of a "
       "DP task with CoT): Mamba's state exponent must be significantly above 0 and its total-cost exponent not "
       "significantly below the Transformer's; verdict_growth of state bytes and total FLOPs per fixed-size model "
       "are sanity checks (measured time is shown, not judged)"},
      {"theory", "6. Theory: the constructions",
       "Thm 1: constant-size Mamba needs a score c_i·b_pos(i) ≥ c·(1/a_min)^(L−1) + d to copy from distance L "
       "(exponential). Thm 2: a Transformer needs a logit gap growing only like log L (softmax weight ≥ 1−ε on the "
       "target needs gap ≈ log((L−1)(1−ε)/ε)). Thm 3: Mamba with state size linear in the sequence length copies "
       "exactly (e.g. one state slot per position, no decay, one-hot keys/queries from position). Thm 5: m-local "
       "DP needs size O(m). Thm 4: arbitrary DP with CoT needs size O(T).",
       "Theorems 1–5 (docs/SOURCES.md §3)",
       "Theorem 1 measured (gradient descent within the decay bound); the constructions (verdict_construction, "
       "verdict_linear_size_growth of the smallest exact state) are sanity checks"},
  };
  return claims;
}

const PaperClaim& paper_claim(const std::string& id) {
  for (const auto& c : paper_claims())
    if (c.id == id) return c;
  throw Error("no paper claim with id '" + id + "'");
}

ClaimSection section_for_claim(const std::string& id) {
  const PaperClaim& c = paper_claim(id);
  ClaimSection section;
  section.id = c.id, section.title = c.title, section.claim = c.claim, section.source = c.source;
  return section;
}

}  // namespace fl
