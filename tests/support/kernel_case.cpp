#include "support/kernel_case.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

#include "support/determinism.h"
#include "support/finite_difference.h"

namespace fl::test_support {
namespace {

constexpr uint64_t kInputSeed = 1234, kOutputGradientSeed = 99;

// The stored tensor's shape: the view's, its last dim widened to the row width, in storage order.
std::vector<int64_t> stored_shape(const Input& input) {
  std::vector<int64_t> shape = input.shape;
  if (input.layout.width > 0) shape.back() = input.layout.width;
  if (input.layout.storage_order.empty()) return shape;
  std::vector<int64_t> stored;
  for (const int64_t d : input.layout.storage_order) stored.push_back(shape[d]);
  return stored;
}

// The view of `stored` that the kernel receives.
torch::Tensor view_of(const Input& input, const torch::Tensor& stored) {
  torch::Tensor view = stored;
  const auto& order = input.layout.storage_order;
  if (!order.empty()) {
    std::vector<int64_t> inverse(order.size());
    for (size_t k = 0; k < order.size(); ++k) inverse[order[k]] = static_cast<int64_t>(k);
    view = view.permute(inverse);
  }
  if (input.layout.width > 0) view = view.narrow(-1, input.layout.offset, input.shape.back());
  return view;
}

bool has_default_layout(const Input& input) {
  return input.layout.storage_order.empty() && input.layout.width == 0;
}

// The stored leaves of case c, drawn in dtype.
Tensors draw_stored(const KernelCase& c, torch::Dtype dtype) {
  auto generator = at::detail::createCPUGenerator(kInputSeed);
  Tensors stored;
  for (const Input& input : c.inputs) {
    torch::Tensor t = input.values(Draw(generator, stored_shape(input), dtype)).to(dtype).contiguous();
    stored.push_back(c.differentiable ? t.requires_grad_(true) : t);
  }
  return stored;
}

Tensors views_of(const KernelCase& c, const Tensors& stored) {
  Tensors views;
  for (size_t k = 0; k < c.inputs.size(); ++k) views.push_back(view_of(c.inputs[k], stored[k]));
  return views;
}

// "output", then "d" + the name of every input when the case is differentiable.
std::vector<std::string> result_names(const KernelCase& c) {
  std::vector<std::string> names = {"output"};
  if (c.differentiable)
    for (const Input& input : c.inputs) names.push_back("d" + input.name);
  return names;
}

Tensors results(const KernelFunction& f, const KernelCase& c, const Tensors& arguments) {
  return c.differentiable ? output_and_gradients(f, arguments) : Tensors{f(arguments)};
}

// Fused against reference in `dtype`; returns the worst error / bound over the results.
double check_equivalence(const KernelCase& c, torch::Dtype dtype) {
  const Tensors arguments = arguments_of(c, dtype);
  for (size_t k = 0; k < arguments.size(); ++k) {
    if (has_default_layout(c.inputs[k])) continue;
    EXPECT_FALSE(arguments[k].is_contiguous()) << c.inputs[k].name << ": the layout gives a contiguous view";
  }
  const Tensors got = results(c.fused, c, arguments), want = results(c.reference, c, arguments);
  const auto names = result_names(c);
  double worst = 0;
  for (size_t k = 0; k < names.size(); ++k) {
    EXPECT_TRUE(got[k].is_contiguous()) << names[k] << ": the fused result is not contiguous";
    if (got[k].sizes() != want[k].sizes()) {
      ADD_FAILURE() << names[k] << ": fused " << got[k].sizes() << " vs reference " << want[k].sizes();
      continue;
    }
    const double diff = (got[k] - want[k]).abs().max().item<double>();
    if (dtype == torch::kDouble) {
      EXPECT_TRUE(torch::allclose(got[k], want[k], c.tolerances.float64, c.tolerances.float64))
          << names[k] << ": max |fused - reference| " << diff << " beyond the float64 tolerance";
      continue;
    }
    const double scale = k == 0 && c.output_scale ? c.output_scale(arguments)
                                                  : 1 + want[k].abs().max().item<double>();
    const double bound = c.tolerances.float32 * scale;
    EXPECT_LE(diff, bound) << names[k] << ": max |fused - reference| exceeds the float32 bound";
    worst = std::max(worst, diff / bound);
  }
  return worst;
}

void check_finite_differences(const KernelCase& c, const KernelFunction& f) {
  expect_gradients_match([&](const Tensors& stored) { return f(views_of(c, stored)); },
                         draw_stored(c, torch::kDouble), 1e-6, c.tolerances.finite_difference);
}

void check_determinism(const KernelCase& c) {
  const Tensors arguments = arguments_of(c, torch::kFloat);
  expect_bit_identical_runs([&] { return results(c.fused, c, arguments); }, result_names(c));
}

struct CheckSpec {
  Check check;
  const char* test_name;
  bool needs_fused, needs_reference, needs_gradients;
};
constexpr CheckSpec kCheckSpecs[] = {
    {kFloat32, "FusedMatchesReferenceInFloat32", true, true, false},
    {kFloat64, "FusedMatchesReferenceInFloat64", true, true, false},
    {kFusedFiniteDifferences, "FusedGradientsMatchFiniteDifferences", true, false, true},
    {kReferenceFiniteDifferences, "ReferenceGradientsMatchFiniteDifferences", false, true, true},
    {kDeterminism, "FusedIsDeterministic", true, false, false},
};

// One registered test: one check over the cases that ask for it.
class KernelCheckTest : public testing::Test {
 public:
  KernelCheckTest(std::shared_ptr<const std::vector<KernelCase>> cases, const CheckSpec& spec)
      : cases_(std::move(cases)), spec_(spec) {}

  void TestBody() override {
    double worst = 0;
    for (const KernelCase& c : *cases_) {
      if (!(c.checks & spec_.check)) continue;
      SCOPED_TRACE("case " + c.name);
      const std::shared_ptr<void> scope = c.scope ? c.scope() : nullptr;
      switch (spec_.check) {
        case kFloat32: worst = std::max(worst, check_equivalence(c, torch::kFloat)); break;
        case kFloat64: check_equivalence(c, torch::kDouble); break;
        case kFusedFiniteDifferences: check_finite_differences(c, c.fused); break;
        case kReferenceFiniteDifferences: check_finite_differences(c, c.reference); break;
        case kDeterminism: check_determinism(c); break;
      }
    }
    if (spec_.check == kFloat32) RecordProperty("worst_error_over_bound", std::to_string(worst));
  }

 private:
  std::shared_ptr<const std::vector<KernelCase>> cases_;
  const CheckSpec& spec_;
};

// Why case c cannot run, or "".
std::string malformed(const KernelCase& c) {
  if (c.name.empty()) return "a case has no name";
  if (c.checks == 0) return "no checks";
  for (const CheckSpec& spec : kCheckSpecs) {
    if (!(c.checks & spec.check)) continue;
    if ((spec.needs_fused && !c.fused) || (spec.needs_reference && !c.reference))
      return std::string(spec.test_name) + " needs a function the case lacks";
    if (spec.needs_gradients && !c.differentiable) return std::string(spec.test_name) + " on a non-differentiable case";
  }
  for (const Input& input : c.inputs) {
    const auto rank = static_cast<int64_t>(input.shape.size());
    auto order = input.layout.storage_order;
    std::sort(order.begin(), order.end());
    for (size_t d = 0; d < order.size(); ++d)
      if (order.size() != input.shape.size() || order[d] != static_cast<int64_t>(d))
        return input.name + ": storage_order is not a permutation of the dims";
    if (input.layout.width > 0 &&
        (rank == 0 || input.layout.offset < 0 || input.layout.offset + input.shape.back() > input.layout.width))
      return input.name + ": narrowed columns beyond the row width";
  }
  return "";
}

}  // namespace

Draw::Draw(at::Generator generator, std::vector<int64_t> shape, torch::Dtype dtype)
    : generator_(std::move(generator)), shape_(std::move(shape)), dtype_(dtype) {}
torch::Tensor Draw::normal() const { return torch::randn(shape_, generator_, torch::TensorOptions().dtype(dtype_)); }
torch::Tensor Draw::uniform() const { return torch::rand(shape_, generator_, torch::TensorOptions().dtype(dtype_)); }

Values normal(double scale, double shift) {
  return [scale, shift](const Draw& draw) { return shift + scale * draw.normal(); };
}
Values uniform(double low, double high) {
  return [low, high](const Draw& draw) { return low + (high - low) * draw.uniform(); };
}

Layout narrowed(int64_t offset, int64_t width) { return {{}, offset, width}; }
Layout stored_as(std::vector<int64_t> order) { return {std::move(order), 0, 0}; }

Tensors arguments_of(const KernelCase& c, torch::Dtype dtype) { return views_of(c, draw_stored(c, dtype)); }

Tensors output_and_gradients(const KernelFunction& f, const Tensors& arguments) {
  const torch::Tensor output = f(arguments);
  auto generator = at::detail::createCPUGenerator(kOutputGradientSeed);
  const torch::Tensor dy =
      torch::randn(output.sizes(), generator, torch::TensorOptions().dtype(output.scalar_type()));
  Tensors result = torch::autograd::grad({output}, arguments, {dy});
  result.insert(result.begin(), output.detach());
  return result;
}

Tensors replacing(Tensors arguments, size_t k, torch::Tensor t) {
  arguments.at(k) = std::move(t);
  return arguments;
}

void expect_rejected(const KernelCase& c, std::vector<Tensors> bad) {
  Tensors integers;
  for (const auto& t : arguments_of(c, torch::kFloat)) integers.push_back(t.detach().to(torch::kInt));
  bad.push_back(integers);
  for (size_t k = 0; k < bad.size(); ++k) {
    const std::string which = k + 1 < bad.size() ? "bad argument list " + std::to_string(k) : "integer arguments";
    EXPECT_THROW(c.fused(bad[k]), c10::Error) << "fused, " << which;
    EXPECT_THROW(c.reference(bad[k]), c10::Error) << "reference, " << which;
  }
}

std::string dims_name(std::initializer_list<std::pair<const char*, int64_t>> dims) {
  std::string name;
  for (const auto& [dim, size] : dims) name += (name.empty() ? "" : "_") + std::string(dim) + std::to_string(size);
  return name;
}

bool register_kernel_tests(const char* kernel, const std::function<std::vector<KernelCase>()>& make_cases,
                           const char* file, int line) {
  const auto cases = std::make_shared<const std::vector<KernelCase>>(make_cases());
  for (const KernelCase& c : *cases)
    if (const std::string why = malformed(c); !why.empty())
      throw std::invalid_argument(std::string(kernel) + " case " + c.name + ": " + why);
  for (const CheckSpec& spec : kCheckSpecs) {
    std::set<std::string> names;
    for (const KernelCase& c : *cases)
      if ((c.checks & spec.check) && !names.insert(c.name).second)
        throw std::invalid_argument(std::string(kernel) + " case " + c.name + " twice in " + spec.test_name);
    if (names.empty()) continue;
    // The factory returns testing::Test*, the fixture of plain TEST()s, so that a kernel's plain
    // tests may share its suite name.
    const CheckSpec* check = &spec;
    testing::RegisterTest(kernel, spec.test_name, nullptr, nullptr, file, line,
                          [cases, check]() -> testing::Test* { return new KernelCheckTest(cases, *check); });
  }
  return true;
}

}  // namespace fl::test_support
