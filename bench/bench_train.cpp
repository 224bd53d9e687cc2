// Training throughput of the shipped COPY configs (Google Benchmark; not part of the tests).
//   build/freelunch_bench [--benchmark_filter=mamba]
// Reports tokens/s (real input tokens, padding excluded) per optimizer step.
#include <benchmark/benchmark.h>

#include "data/batch.h"
#include "data/data_source.h"
#include "data/eval_set.h"
#include "models/lm.h"
#include "train/run_config.h"

namespace {

void BM_TrainStep(benchmark::State& state, const std::string& config_name) {
  const auto config = fl::RunConfig::load(std::string(FREELUNCH_SOURCE_DIR) + "/configs/" + config_name, {});
  auto task = config.make_task();
  const fl::EvalSet held_out(*task, {}, 1, config.seed);
  fl::DataSource data(*task, held_out, 0, config.seed);
  torch::manual_seed(config.seed);
  fl::LanguageModel model(config.model);
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(config.train.lr));  // one group suffices for timing
  int64_t tokens = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto batch = fl::make_batch(data.next_batch(config.train.batch_size, config.train.pack_len), task->pad_id());
    state.ResumeTiming();
    optimizer.zero_grad();
    auto loss = fl::masked_cross_entropy(model->forward(batch.inputs), batch);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    optimizer.step();
    tokens += batch.tokens;
  }
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.counters["params"] = static_cast<double>(model->num_parameters());
}

BENCHMARK_CAPTURE(BM_TrainStep, transformer, std::string("copy-transformer.toml"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TrainStep, mamba, std::string("copy-mamba.toml"))->Unit(benchmark::kMillisecond);

}  // namespace
