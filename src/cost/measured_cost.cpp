#include "cost/measured_cost.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/rng.h"
#include "core/statistics.h"
#include "core/timing.h"

namespace fl::cost {
namespace {

constexpr uint64_t kStreamCostTokens = 0xC057;  // the Rng stream of the random token ids
constexpr int64_t kSourceTokens = 64;           // stepped tokens whose keys/values are tiled
constexpr int64_t kCallbackEvery = 64;          // steps between progress callbacks of a long run
constexpr int64_t kRobustBlock = 32;            // steps per block of GenuineRun::robust_total_ms

// `rows` rows of `length` floats → rows of `new_length` (≥ length), content at each row's start.
void widen_rows(std::vector<float>& buffer, int64_t rows, int64_t length, int64_t new_length) {
  std::vector<float> wide(rows * new_length, 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(wide.data() + r * new_length, buffer.data() + r * length, length * sizeof(float));
  buffer.swap(wide);
}

// One layer's KV cache from p tokens to t: capacity as the engine's doubling, slots of tokens
// p … t−1 (the last W of them with a window) copied from the last stepped tokens, cyclically.
void tile_key_values(const ModelConfig& c, int64_t batch, int64_t p, int64_t t, LayerState& layer) {
  const int64_t D = c.d_model, H = c.n_head, hd = c.head_dim(), W = c.window;
  const int64_t S = static_cast<int64_t>(layer.keys.size()) / (batch * D);
  int64_t capacity = S;
  while (W == 0 && capacity < t) capacity *= 2;
  if (capacity != S) {
    widen_rows(layer.keys, batch * D, S, capacity);             // (B, H, hd, S) rows of S slots
    widen_rows(layer.values, batch * H, S * hd, capacity * hd);  // (B, H, S, hd) rows of S·hd
  }
  const auto slot = [&](int64_t token) { return W > 0 ? token % W : token; };
  const int64_t count = std::min({p, S, kSourceTokens}), first_source = p - count;
  // The sources first: with a window their slots may be among those overwritten.
  std::vector<float> keys(batch * D * count);          // (B, D, count)
  std::vector<float> values(batch * H * count * hd);   // (B, H, count, hd)
  for (int64_t row = 0; row < batch * D; ++row)
    for (int64_t j = 0; j < count; ++j) keys[row * count + j] = layer.keys[row * capacity + slot(first_source + j)];
  for (int64_t row = 0; row < batch * H; ++row)
    for (int64_t j = 0; j < count; ++j)
      std::memcpy(values.data() + (row * count + j) * hd,
                  layer.values.data() + (row * capacity + slot(first_source + j)) * hd, hd * sizeof(float));

  const int64_t first_target = W > 0 ? std::max(p, t - W) : p;
  for (int64_t row = 0; row < batch * D; ++row) {
    float* cache_row = layer.keys.data() + row * capacity;
    for (int64_t token = first_target; token < t; ++token)
      cache_row[slot(token)] = keys[row * count + (token - p) % count];
  }
  for (int64_t row = 0; row < batch * H; ++row)
    for (int64_t token = first_target; token < t; ++token)
      std::memcpy(layer.values.data() + (row * capacity + slot(token)) * hd,
                  values.data() + (row * count + (token - p) % count) * hd, hd * sizeof(float));
}

// Random token ids for batch-1 steps, and the logits buffer they write.
class TokenStream {
 public:
  TokenStream(const StepEngine& engine, uint64_t seed)
      : engine_(engine), rng_(seed, kStreamCostTokens), logits_(engine.vocab_size()) {}
  void step(StepState& state) {
    const int64_t token = rng_.uniform_int(0, engine_.vocab_size() - 1);
    engine_.step(&token, state, logits_.data());
  }
  double timed_step(StepState& state) {
    const int64_t token = rng_.uniform_int(0, engine_.vocab_size() - 1);
    const auto t0 = SteadyClock::now();
    engine_.step(&token, state, logits_.data());
    return ms_since(t0);
  }

 private:
  const StepEngine& engine_;
  Rng rng_;
  std::vector<float> logits_;  // (V)
};

StepTimes time_steps(TokenStream& tokens, StepState& state, const TimingOptions& o) {
  for (int64_t i = 0; i < o.warmup; ++i) tokens.step(state);
  std::vector<double> ms;
  for (int64_t i = 0; i < o.tokens; ++i) ms.push_back(tokens.timed_step(state));
  return {median(ms), *std::min_element(ms.begin(), ms.end())};
}

void check_options(const TimingOptions& o) {
  TORCH_CHECK(o.tokens >= 1 && o.warmup >= 0 && o.prefix >= 1, "TimingOptions: tokens ≥ 1, warmup ≥ 0, prefix ≥ 1");
}

}  // namespace

std::vector<LayerBytes> measure_layer_bytes(const StepEngine& engine, const StepState& state) {
  constexpr int64_t kFloat = sizeof(float);
  const int64_t D = engine.config().d_model;
  std::vector<LayerBytes> out;
  for (const auto& l : state.layers) {
    LayerBytes b;
    b.allocated = static_cast<int64_t>(l.conv.size() + l.ssm.size() + l.keys.size() + l.values.size() + l.h.size() +
                                       l.c.size() + l.kv.size()) * kFloat;
    if (l.keys.empty()) {
      b.live = b.allocated;  // Mamba(-2): the conv window and the ssm state, whole; LSTM: h and c; linear: kv
    } else {
      const int64_t slots = static_cast<int64_t>(l.keys.size()) / (state.batch * D);
      b.live = 2 * state.batch * std::min(state.position, slots) * D * kFloat;
    }
    out.push_back(b);
  }
  return out;
}

void fast_forward(const StepEngine& engine, StepState& state, int64_t position) {
  const int64_t p = state.position;
  TORCH_CHECK(position >= p, "fast_forward: cannot go back from position ", p, " to ", position);
  if (engine.config().has_attention() && position > p) {
    TORCH_CHECK(p >= 1, "fast_forward: an attention state needs a stepped token to tile from");
    for (auto& layer : state.layers)  // the attention layers (a Mamba, LSTM or linear state does not grow)
      if (!layer.keys.empty()) tile_key_values(engine.config(), state.batch, p, position, layer);
  }
  state.position = position;
}

std::vector<PositionMeasurement> measure_positions(const StepEngine& engine, const std::vector<int64_t>& positions,
                                                   const TimingOptions& o, const StepCallback& on_steps) {
  check_options(o);
  TokenStream tokens(engine, o.seed);
  StepState state = engine.make_state(1);
  std::vector<PositionMeasurement> out;
  for (int64_t t : positions) {
    TORCH_CHECK(t >= 1 && (out.empty() || t > out.back().position), "measure_positions: positions must ascend from 1");
    if (state.position > t) state = engine.make_state(1);  // positions closer than warmup + tokens
    const int64_t prefix = std::min(t, o.prefix), stepped = std::max<int64_t>(prefix - state.position, 0);
    while (state.position < prefix) tokens.step(state);
    fast_forward(engine, state, t);
    PositionMeasurement m;
    m.position = t;
    m.layers = measure_layer_bytes(engine, state);
    m.times = time_steps(tokens, state, o);
    out.push_back(std::move(m));
    if (on_steps) on_steps(t, stepped + o.warmup + o.tokens);
  }
  return out;
}

GenuineRun measure_genuine(const StepEngine& engine, int64_t length, const TimingOptions& o,
                           const StepCallback& on_steps) {
  check_options(o);
  TORCH_CHECK(length >= 1, "measure_genuine: length must be ≥ 1");
  TokenStream tokens(engine, o.seed);
  StepState state = engine.make_state(1);
  GenuineRun run;
  run.length = length;
  std::vector<double> block;  // the current block's step times
  while (state.position < length) {
    block.push_back(tokens.timed_step(state));
    run.total_ms += block.back();
    if (static_cast<int64_t>(block.size()) == kRobustBlock || state.position == length) {
      run.robust_total_ms += median(block) * static_cast<double>(block.size());
      block.clear();
    }
    if (on_steps && (state.position % kCallbackEvery == 0 || state.position == length))
      on_steps(state.position, (state.position - 1) % kCallbackEvery + 1);
  }
  run.layers = measure_layer_bytes(engine, state);
  run.at_length = time_steps(tokens, state, o);
  if (on_steps) on_steps(state.position, o.warmup + o.tokens);
  return run;
}

double interpolate_ms(const std::vector<PositionMeasurement>& measured, double t) {
  if (measured.empty()) return 0;
  if (t <= static_cast<double>(measured.front().position)) return measured.front().times.median_ms;
  if (t >= static_cast<double>(measured.back().position)) return measured.back().times.median_ms;
  const auto next = std::upper_bound(measured.begin(), measured.end(), t, [](double x, const PositionMeasurement& m) {
    return x < static_cast<double>(m.position);
  });
  const auto& a = *(next - 1);
  const auto& b = *next;
  const double f = (t - static_cast<double>(a.position)) / static_cast<double>(b.position - a.position);
  return a.times.median_ms + f * (b.times.median_ms - a.times.median_ms);
}

double estimate_total_ms(const std::vector<PositionMeasurement>& measured, int64_t T) {
  double total = 0;
  for (int64_t t = 0; t < T; ++t) total += interpolate_ms(measured, static_cast<double>(t));
  return total;
}

}  // namespace fl::cost
