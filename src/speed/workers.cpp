#include "speed/workers.h"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "core/statistics.h"
#include "core/timing.h"
#include "engine/engine_mode.h"
#include "infer/stepper.h"
#include "train/checkpoint.h"
#include "train/step_backend.h"

namespace fl::speed {

namespace {

// CPU time of the whole process (all threads), in ms: unlike wall time, barely moved by other
// processes competing for the cores.
double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return 1e3 * static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_nsec);
}

}  // namespace

Json train_timing(const std::filesystem::path& checkpoint, int64_t batch, int64_t length, int64_t steps,
                  int64_t warmup, uint64_t seed) {
  auto loaded = load_checkpoint(checkpoint);
  auto& model = loaded.model;
  model->train();
  const auto mode = engine::effective_mode(loaded.config.model);
  auto backend = make_step_backend(model, loaded.config.train, mode);
  const int64_t V = loaded.config.model.vocab_size;
  torch::manual_seed(seed);
  std::vector<double> step_ms, cpu_ms;
  for (int64_t s = 0; s < warmup + steps; ++s) {
    Batch b;
    b.inputs = torch::randint(0, V, {batch, length}, torch::kInt64);   // (B, L)
    b.targets = torch::randint(0, V, {batch, length}, torch::kInt64);  // (B, L)
    b.mask = torch::ones({batch, length}, torch::kBool);               // every position
    const auto t0 = SteadyClock::now();
    const double cpu0 = process_cpu_ms();
    backend->forward_backward(b);
    backend->clip_grad_norm(1.0);
    backend->optimizer_step(loaded.config.train.lr);
    if (s >= warmup) step_ms.push_back(ms_since(t0)), cpu_ms.push_back(process_cpu_ms() - cpu0);
  }
  return {{"kind", "train"}, {"step_ms", step_ms}, {"median_ms", median(step_ms)}, {"cpu_ms", median(cpu_ms)},
          {"min_ms", *std::min_element(step_ms.begin(), step_ms.end())}, {"threads", at::get_num_threads()},
          {"engine", engine::mode_name(mode)}};
}

Json decode_timing(const std::filesystem::path& checkpoint, const std::vector<int64_t>& positions, int64_t tokens,
                   uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto loaded = load_checkpoint(checkpoint);
  auto& model = loaded.model;
  model->eval();
  const int64_t V = loaded.config.model.vocab_size;
  torch::manual_seed(seed);
  const auto ids = torch::randint(0, V, {positions.back() + tokens}, torch::kInt64);  // the one sequence
  const auto* id = ids.data_ptr<int64_t>();

  const auto stepper = make_stepper(model, 1);  // the path the kernel mode selects
  std::vector<int64_t> token(1);
  auto step = [&](int64_t id_t) {
    token[0] = id_t;
    stepper->feed(token);
  };

  Json per_position = Json::object();
  int64_t t = 0;
  for (int64_t p : positions) {
    for (; t < p; ++t) step(id[t]);
    std::vector<double> ms;
    for (int64_t i = 0; i < tokens; ++i, ++t) {
      const auto t0 = SteadyClock::now();
      step(id[t]);
      ms.push_back(ms_since(t0));
    }
    per_position[std::to_string(p)] = median(ms);
  }
  return {{"kind", "decode"}, {"ms_per_token", per_position}, {"threads", at::get_num_threads()}};
}

}  // namespace fl::speed
