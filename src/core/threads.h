// Thread set-up: libtorch's intra-op pool defaults to 1 thread here, so every entry point
// calls configure_threads (0 = all cores). Also warns when the BLAS is not OpenBLAS's OpenMP
// build (the pthread build fights libtorch's OpenMP pool: training runs 2–3× slower).
#pragma once

namespace fl {

// Sets libtorch's (and OpenMP's) thread count; returns the count in force.
int configure_threads(int requested);

}  // namespace fl
