// build/freelunch_bench: Google Benchmark programs of bench/ (not tests). Threads: all cores.
#include <benchmark/benchmark.h>

#include "core/threads.h"

int main(int argc, char** argv) {
  fl::configure_threads(0);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
