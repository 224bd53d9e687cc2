// A scope in which libtorch's intra-op pool has one thread, for work on tensors of a few hundred
// numbers (the Theorem 1 optimisation, the pointer_dp sweep's tiny models): there the pool only adds
// wake-ups and barriers, and on busy cores a barrier waits for a descheduled thread (measured: the
// Theorem 1 measurement took 13× longer with 2 threads than with 1 on 2 shared cores). The count in
// force before is restored on exit.
#pragma once
#include <ATen/Parallel.h>

namespace fl::theory {

class OneThread {
 public:
  OneThread() : saved_(at::get_num_threads()) { at::set_num_threads(1); }
  ~OneThread() { at::set_num_threads(saved_); }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int saved_;
};

}  // namespace fl::theory
