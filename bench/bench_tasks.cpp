// Sample throughput of every task at its default parameters (examples generated per second,
// one thread). Run: build/freelunch_bench --benchmark_filter=Sample
#include <benchmark/benchmark.h>

#include "tasks/task.h"

namespace {

void BM_Sample(benchmark::State& state, const std::string& name, const fl::Json& params) {
  auto specs = fl::task_param_specs(name);
  fl::RawConfig raw = fl::RawConfig::from_json(params, "bench");
  auto task = fl::make_task(name, fl::resolve(raw, specs));
  fl::Rng rng(1, fl::kStreamTrainData);
  int64_t tokens = 0;
  for (auto _ : state) {
    auto ex = task->sample(rng);
    tokens += static_cast<int64_t>(ex.tokens.size());
    benchmark::DoNotOptimize(ex.tokens.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["tokens/example"] = static_cast<double>(tokens) / static_cast<double>(state.iterations());
}

const fl::Json kTask = fl::Json::object();
BENCHMARK_CAPTURE(BM_Sample, copy, std::string("copy"), kTask);
BENCHMARK_CAPTURE(BM_Sample, prefix_ngram, std::string("prefix_ngram"), kTask);
BENCHMARK_CAPTURE(BM_Sample, suffix_ngram, std::string("suffix_ngram"), kTask);
BENCHMARK_CAPTURE(BM_Sample, lookup, std::string("lookup"), kTask);
BENCHMARK_CAPTURE(BM_Sample, assoc_recall, std::string("assoc_recall"), kTask);
BENCHMARK_CAPTURE(BM_Sample, local_dp, std::string("local_dp"), kTask);
BENCHMARK_CAPTURE(BM_Sample, lis_cot_50, std::string("lis"), fl::Json({{"task", {{"n", 50}}}}));
BENCHMARK_CAPTURE(BM_Sample, edit_distance_cot_12, std::string("edit_distance"), fl::Json({{"task", {{"n", 12}}}}));
BENCHMARK_CAPTURE(BM_Sample, arithmetic_cot_4, std::string("arithmetic"), fl::Json({{"task", {{"n", 4}}}}));

}  // namespace
