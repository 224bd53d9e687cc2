#include "core/threads.h"

#include <dlfcn.h>

#include <cstdio>
#include <thread>

#include <ATen/Parallel.h>

#include "core/error.h"

namespace fl {

int machine_cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int max_threads() { return std::max(256, 4 * machine_cores()); }

int configure_threads(int requested) {
  require(requested >= 0, "--threads must be ≥ 0 (0 = all cores), got " + std::to_string(requested));
  require(requested <= max_threads(), "--threads " + std::to_string(requested) + ": at most " +
                                          std::to_string(max_threads()) + " on this machine (" +
                                          std::to_string(machine_cores()) + " cores; the limit is the larger of "
                                          "256 and 4 × cores)");
  const int n = requested > 0 ? requested : machine_cores();
  at::set_num_threads(n);
  // openblas_get_parallel(): 0 = single-threaded build, 1 = pthreads, 2 = OpenMP.
  using GetParallel = int (*)();
  static bool warned = false;
  auto get_parallel = reinterpret_cast<GetParallel>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
  const int mode = get_parallel ? get_parallel() : -1;
  if (mode != 2 && !warned) {
    warned = true;
    std::fprintf(stderr,
                 "freelunch: warning: the BLAS in use is %s, not OpenBLAS's OpenMP build; training may be 2-3x "
                 "slower (run scripts/setup.sh to install and select libopenblas-openmp)\n",
                 mode < 0 ? "not OpenBLAS" : mode == 1 ? "OpenBLAS with pthreads" : "single-threaded OpenBLAS");
  }
  return at::get_num_threads();
}

}  // namespace fl
