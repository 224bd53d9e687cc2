// One harness for the kernel tests, in the spirit of ggml's test-backend-ops: a kernel's test file
// declares cases (the inputs with their shapes, value ranges and memory layouts, the fused
// function, its plain-libtorch reference and the tolerances) in one list, and the harness turns
// the list into the checks every custom kernel owes (docs/ARCHITECTURE.md):
//
//   <Kernel>.FusedMatchesReferenceInFloat32           the output and the gradient of every input,
//   <Kernel>.FusedMatchesReferenceInFloat64           fused against reference, same inputs and dy
//   <Kernel>.FusedGradientsMatchFiniteDifferences     float64 central differences of every stored
//   <Kernel>.ReferenceGradientsMatchFiniteDifferences   input element (finite_difference.h)
//   <Kernel>.FusedIsDeterministic                     float32 output and gradients: the same bits
//                                                     twice and on one thread (determinism.h)
//
// A test is registered for each check that some case asks for; it runs those cases in list order,
// each under a SCOPED_TRACE naming the case, so a failure names the kernel, the check, the case,
// the output or gradient, the error and its bound.
//
// Adding a kernel is one function that makes a case and one list of cases, e.g. for y = op(x, w):
//
//   KernelCase op_case(int64_t R, int64_t D, Checks checks) {
//     KernelCase c;
//     c.name = "R" + std::to_string(R) + "_D" + std::to_string(D);
//     c.inputs = {{"x", {R, D}}, {"w", {D}, uniform(0.5, 1.5)}};
//     c.fused = [](const Tensors& a) { return op_fused(a[0], a[1]); };
//     c.reference = [](const Tensors& a) { return op_reference(a[0], a[1]); };
//     c.checks = checks;
//     return c;
//   }
//   std::vector<KernelCase> op_cases() {
//     return {op_case(1, 1, kFloat32), op_case(70, 300, kFloat32 | kFloat64),
//             op_case(3, 5, kFusedFiniteDifferences | kReferenceFiniteDifferences),
//             op_case(9, 4000, kDeterminism)};
//   }
//   FL_KERNEL_TESTS(Op, op_cases)   // at namespace scope, after what op_cases uses
//
// Inputs. Every input is drawn, in the check's dtype, from a generator with a fixed seed (the same
// values every run). `values` maps a standard draw to the input's range: normal(scale, shift),
// uniform(low, high), or any elementwise function of a Draw. `layout` says where the values live:
// contiguous (the default); narrowed(offset, width): the last dim is columns [offset, offset + n)
// of rows `width` wide, as a view into a wider projection output; stored_as(order): the dims are
// stored in `order` (e.g. {0, 2, 1}: the last dim is not contiguous). The stored tensors are the
// leaves; the kernel receives the views, and a layout other than contiguous must give a
// non-contiguous view (checked).
//
// The checks, precisely.
//   Equivalence: the output y and, when the case is differentiable, the gradients of Σ dy ⊙ y
//   (dy a fixed random tensor) with respect to every argument the kernel received. float32:
//   max |fused − reference| ≤ tolerances.float32 · (1 + max |reference|), or for the output
//   tolerances.float32 · output_scale(arguments) when the case sets one (e.g. max Σ|x||W| for a
//   matrix product, the size its rounding error scales with). float64: elementwise
//   |fused − reference| ≤ tolerances.float64 · (1 + |reference|). The fused output and gradients
//   must be contiguous tensors.
//   Finite differences: expect_gradients_match over every element of every stored input, through
//   the views (a kernel that read the padding around a narrowed view would show a finite
//   difference where autograd has none), tolerances.finite_difference.
//   Determinism: expect_bit_identical_runs on the fused output and gradients, float32.
//
// A kernel's other tests (dispatch, rejected inputs, ...) stay plain TESTs in the same suite and
// reuse its cases through arguments_of, output_and_gradients and expect_rejected below.
//
// Kernels with several outputs return torch::cat of their flattenings. Kernels without autograd
// (the step engine's raw-pointer kernels) set differentiable = false: outputs only. A setting
// that must hold for a whole check, backward included (attention's SIMD micro-kernels), comes
// from `scope`: the harness keeps the object it returns alive while the case runs.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fl::test_support {

using Tensors = std::vector<torch::Tensor>;
using KernelFunction = std::function<torch::Tensor(const Tensors& arguments)>;

// Standard random draws of one stored input (its shape and dtype), from the check's generator.
class Draw {
 public:
  Draw(at::Generator generator, std::vector<int64_t> shape, torch::Dtype dtype);
  torch::Tensor normal() const;   // N(0, 1)
  torch::Tensor uniform() const;  // U(0, 1)

 private:
  at::Generator generator_;
  std::vector<int64_t> shape_;
  torch::Dtype dtype_;
};

// An input's values as an elementwise function of a draw.
using Values = std::function<torch::Tensor(const Draw&)>;
Values normal(double scale = 1, double shift = 0);  // shift + scale · N(0, 1)
Values uniform(double low, double high);            // U(low, high)

// Where an input's values live; see the top of the file.
struct Layout {
  std::vector<int64_t> storage_order;  // empty: the dims in their own order
  int64_t offset = 0, width = 0;       // width > 0: the last dim narrowed out of rows this wide
};
Layout narrowed(int64_t offset, int64_t width);
Layout stored_as(std::vector<int64_t> order);

struct Input {
  std::string name;            // its gradient is reported as "d" + name
  std::vector<int64_t> shape;  // as the kernel receives it
  Values values = normal();
  Layout layout = {};
};

enum Check : unsigned {
  kFloat32 = 1u << 0,
  kFloat64 = 1u << 1,
  kFusedFiniteDifferences = 1u << 2,
  kReferenceFiniteDifferences = 1u << 3,
  kDeterminism = 1u << 4,
};
using Checks = unsigned;

struct Tolerances {
  double float32 = 1e-5;            // relative to 1 + max |reference| (or output_scale)
  double float64 = 1e-10;           // elementwise, relative to 1 + |reference|
  double finite_difference = 1e-6;  // expect_gradients_match's tol (eps 1e-6)
};

struct KernelCase {
  std::string name;  // the shape and variant, e.g. "B2_L37_Di16_N16_z_bias_softplus"
  std::vector<Input> inputs;
  KernelFunction fused, reference;  // either may be empty when no check of the case needs it
  Checks checks = 0;
  Tolerances tolerances = {};
  bool differentiable = true;
  std::function<double(const Tensors& arguments)> output_scale;  // optional, see the top
  std::function<std::shared_ptr<void>()> scope;                   // optional, see the top
};

// The arguments a kernel of case `c` receives, drawn in `dtype` with the checks' seed; their
// stored leaves require grad when the case is differentiable. For plain tests (dispatch,
// rejected inputs) that need the case's inputs.
Tensors arguments_of(const KernelCase& c, torch::Dtype dtype);

// f's output and, in the order of `arguments`, the gradients of Σ dy ⊙ output with respect to
// them, dy a fixed random tensor of the output's shape (the same for every call).
Tensors output_and_gradients(const KernelFunction& f, const Tensors& arguments);

// Plain tests of rejected inputs: `arguments` with argument k replaced by t, and the check that
// both of c's functions throw c10::Error on every argument list of `bad` and on c's own
// arguments cast to integers.
Tensors replacing(Tensors arguments, size_t k, torch::Tensor t);
void expect_rejected(const KernelCase& c, std::vector<Tensors> bad);

// "B2_L37_Di16" from {{"B", 2}, {"L", 37}, {"Di", 16}}: a case's name from its dims.
std::string dims_name(std::initializer_list<std::pair<const char*, int64_t>> dims);

// Registers <kernel>.<check> for every check that a case of make_cases() asks for. Throws
// std::invalid_argument (at start-up) for a malformed case: no checks, a function a check needs
// missing, a bad layout, or a name used twice by one check.
bool register_kernel_tests(const char* kernel, const std::function<std::vector<KernelCase>()>& make_cases,
                           const char* file, int line);

}  // namespace fl::test_support

#define FL_KERNEL_TESTS(Kernel, make_cases)                                                   \
  [[maybe_unused]] static const bool fl_kernel_tests_registered_##Kernel =                    \
      ::fl::test_support::register_kernel_tests(#Kernel, make_cases, __FILE__, __LINE__)
