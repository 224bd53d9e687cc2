#include "theory/slot_dp_checks.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/rng.h"
#include "cost/analytic_cost.h"
#include "infer/step_engine.h"
#include "kernels/kernel_mode.h"
#include "theory/one_thread.h"

namespace fl::theory {

namespace {

torch::Tensor token_tensor(const std::vector<Example>& examples) {  // (B, T) int64, equal lengths
  const int64_t B = static_cast<int64_t>(examples.size()), T = static_cast<int64_t>(examples.at(0).tokens.size());
  auto out = torch::empty({B, T}, torch::kInt64);
  auto a = out.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) a[b][t] = examples[b].tokens.at(t);
  return out;
}

// Logits (B, T, V) float of the step path fed the true tokens one at a time: the StepEngine in
// fused mode, the model's libtorch step otherwise (as generation chooses, infer/stepper.h).
torch::Tensor step_logits(LanguageModel& model, const torch::Tensor& tokens) {
  const int64_t B = tokens.size(0), T = tokens.size(1), V = model->config().vocab_size;
  auto out = torch::empty({B, T, V}, torch::kFloat32);  // (B, T, V)
  const auto columns = tokens.t().contiguous();          // (T, B)
  if (kernels::fused()) {
    const StepEngine engine(model);
    StepState state = engine.make_state(B);
    std::vector<float> logits(B * V);  // (B, V)
    for (int64_t t = 0; t < T; ++t) {
      engine.step(columns[t].data_ptr<int64_t>(), state, logits.data());
      out.select(1, t).copy_(torch::from_blob(logits.data(), {B, V}, torch::kFloat32));
    }
  } else {
    auto cache = model->make_cache(B);
    for (int64_t t = 0; t < T; ++t) out.select(1, t).copy_(model->step(columns[t], cache).to(torch::kFloat32));
  }
  return out;
}

// min over the positions t where the target is a result dp_i of (l[t−1][right] − max other
// l[t−1]) / l[t−1][right].
double smallest_margin(const torch::Tensor& logits, const std::vector<Example>& examples, const SlotDpSpec& spec) {
  const auto l = logits.to(torch::kFloat64).contiguous();  // (B, T, V)
  const auto a = l.accessor<double, 3>();
  const int64_t V = l.size(2);
  double margin = std::numeric_limits<double>::infinity();
  for (size_t b = 0; b < examples.size(); ++b)
    for (size_t t = 1; t < examples[b].tokens.size(); ++t) {
      const int64_t right = examples[b].tokens[t];
      if (!examples[b].loss_mask[t] || spec.tokens.at(right).kind != SlotDpToken::Kind::result) continue;
      double other = -std::numeric_limits<double>::infinity();
      for (int64_t v = 0; v < V; ++v)
        if (v != right) other = std::max(other, a[b][t - 1][v]);
      margin = std::min(margin, (a[b][t - 1][right] - other) / std::abs(a[b][t - 1][right]));
    }
  return margin;
}

double scan_flops(const LanguageModel& model, int64_t tokens) {
  return static_cast<double>(tokens) * static_cast<double>(cost::flops_per_token(model->config(), 0, cost::OpKind::mixer));
}

bool all_exact(const SizeAccuracy& a) { return a.gen.whole > 1.0 - 1e-9 && a.tf.whole > 1.0 - 1e-9; }

SizeAccuracy check_model(LanguageModel& model, const Task& task, const EvalSet& set) {
  return evaluate(model, task, set, /*generate=*/true, /*batch_size=*/16).overall();
}

// The smallest exact S in 1 … max_slots for one layout on the pointer_dp problems `set`.
SmallestSlots smallest_slots(SlotLayout layout, const PointerDpTask& task, const EvalSet& set, int64_t n,
                             int64_t max_slots) {
  SmallestSlots found;
  found.exact_below = std::numeric_limits<double>::quiet_NaN();
  for (int64_t S = 1; S <= max_slots; ++S) {
    const SlotDpSpec spec{layout, S, task.modulus(), slot_tokens(task, S)};
    auto model = build_slot_dp_mamba(spec);
    const SizeAccuracy a = check_model(model, task, set);
    if (all_exact(a)) {
      const int64_t T = 2 * n + 2;
      found.slots = S;
      found.state_bytes = model->state_bytes(T);
      found.scan_flops = scan_flops(model, T);
      return found;
    }
    found.exact_below = a.gen.whole;
  }
  found.exact_below = std::numeric_limits<double>::quiet_NaN();
  return found;
}

}  // namespace

int64_t live_state_bytes(const LanguageModel& model, const std::vector<int32_t>& tokens) {
  const StepEngine engine(model);
  StepState state = engine.make_state(1);
  std::vector<float> logits(engine.vocab_size());  // (V)
  for (int32_t token : tokens) {
    const int64_t id = token;
    engine.step(&id, state, logits.data());
  }
  return engine.state_bytes(state);
}

SlotDpPrecision measure_precision(LanguageModel& model, const SlotDpSpec& spec, const std::vector<Example>& examples,
                                  const PointerOf& pointer) {
  torch::NoGradGuard no_grad;
  const auto tokens = token_tensor(examples);  // (B, T)
  const int64_t p = spec.modulus;
  const auto far = model->layer(0).forward(model->embed(tokens, 0)).narrow(-1, far_block_first(spec), p)
                       .to(torch::kFloat64).contiguous();  // (B, T, p)
  const auto f = far.accessor<double, 3>();
  SlotDpPrecision r;
  for (size_t b = 0; b < examples.size(); ++b) {
    const auto& tok = examples[b].tokens;
    for (size_t t = 1; t + 1 < tok.size(); t += 2) {  // "$ q_1 dp_1 q_2 dp_2 …": q_i at 2i − 1
      const int64_t i = static_cast<int64_t>(t + 1) / 2, r_i = pointer(tok[t], i);
      const int64_t want = r_i <= 0 ? 0 : spec.tokens.at(tok[2 * r_i]).value;  // dp_{r_i} stands at 2 r_i
      for (int64_t v = 0; v < p; ++v) r.readout_error = std::max(r.readout_error, std::abs(f[b][t][v] - (v == want)));
    }
  }
  r.margin_parallel = smallest_margin(model->forward(tokens), examples, spec);
  r.margin_step = smallest_margin(step_logits(model, tokens), examples, spec);
  return r;
}

RingRow check_ring(int64_t locality, int64_t modulus, int64_t n, int64_t examples, uint64_t seed) {
  const LocalDpTask task(LocalDpTask::Format::Interleaved, 1, n, locality, modulus, /*phase=*/locality);
  const SlotDpSpec spec{SlotLayout::ring, locality, modulus, slot_tokens(task, locality)};
  const EvalSet set(task, {n}, examples, seed);
  RingRow row;
  row.n = n, row.tokens = 2 * n + 2;
  auto model = build_slot_dp_mamba(spec);
  row.accuracy = check_model(model, task, set);
  row.precision = measure_precision(model, spec, set.by_size().at(0).second,
                                    [&](int32_t, int64_t i) { return i - locality; });
  row.state_bytes = live_state_bytes(model, set.by_size().at(0).second.at(0).tokens);
  row.scan_flops = scan_flops(model, row.tokens);
  switch_off_memory(model);
  row.ablated = check_model(model, task, set);
  return row;
}

PointerRow check_pointer(int64_t modulus, int64_t n, int64_t max_n, int64_t examples, uint64_t seed) {
  const OneThread one_thread;  // models of a few thousand weights on sequences of ≤ 98 tokens
  const PointerDpTask task(max_n, modulus);
  Rng rng(seed, kStreamEvalData);
  std::vector<Example> problems;
  for (int64_t k = 0; k < examples; ++k) problems.push_back(task.sample_at(rng, n));
  for (int64_t j = 1; j < n; ++j) problems.push_back(task.sample_reaching(rng, n, j));
  PointerRow row;
  row.n = n, row.tokens = 2 * n + 2, row.problems = static_cast<int64_t>(problems.size());
  row.bound_bits = static_cast<double>(n - 1) * std::log2(static_cast<double>(modulus));
  const EvalSet set({{n, problems}});
  row.state = smallest_slots(SlotLayout::state, task, set, n, n + 1);
  row.ring = smallest_slots(SlotLayout::ring, task, set, n, n + 1);
  return row;
}

}  // namespace fl::theory
