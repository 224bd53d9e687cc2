// Thread set-up: libtorch's intra-op pool defaults to 1 thread here, so every entry point
// calls configure_threads (0 = all cores). Also warns when the BLAS is not OpenBLAS's OpenMP
// build (the pthread build fights libtorch's OpenMP pool: training runs 2–3× slower).
#pragma once

namespace fl {

// The cores of this machine (at least 1).
int machine_cores();
// The most threads --threads accepts: max(256, 4 × cores). More threads than cores only slow
// compute-bound work down, but the same count is what makes a run bit-identical to one on a
// bigger machine, so a few hundred are allowed; thousands would exhaust the process limits.
int max_threads();

// Sets libtorch's (and OpenMP's) thread count (0 = all cores); fl::Error naming --threads
// outside 0 … max_threads(). Returns the count in force.
int configure_threads(int requested);

}  // namespace fl
