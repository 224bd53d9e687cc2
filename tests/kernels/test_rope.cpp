// apply_rope, the plain-libtorch RoPE of attention's reference path (the fused attention kernel
// and the step engine rotate q and k themselves, tested through them), against finite
// differences (the kernel-case harness, support/kernel_case.h).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "kernels/rope.h"
#include "support/kernel_case.h"

namespace {

using namespace fl::test_support;

std::vector<KernelCase> rope_cases() {
  KernelCase c;
  c.name = "B1_H2_L4_hd6_from3";  // positions 3 … 6
  c.inputs = {{"x", {1, 2, 4, 6}}};
  c.reference = [](const Tensors& x) { return fl::apply_rope(x[0], 3, 10000.0); };
  c.checks = kReferenceFiniteDifferences;
  return {c};
}
FL_KERNEL_TESTS(Rope, rope_cases);

}  // namespace
