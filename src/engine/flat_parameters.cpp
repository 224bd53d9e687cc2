#include "engine/flat_parameters.h"

#include "core/error.h"

namespace fl::engine {

namespace {

constexpr int64_t kAlign = 16;  // elements: slots start on 64-byte boundaries for float

int64_t aligned(int64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

}  // namespace

template <typename T>
FlatParameters<T>::FlatParameters(LanguageModel& model) {
  const auto dtype = c10::CppTypeToScalarType<T>::value;
  const auto named = model->named_parameters();
  for (const auto& p : named) {
    const auto& t = p.value();
    TORCH_CHECK(t.scalar_type() == dtype && t.device().is_cpu(), "FlatParameters: parameter ", p.key(), " is ",
                t.scalar_type(), ", expected ", dtype, " on the CPU");
    ParameterSlot s{p.key(), t.sizes().vec(), size_, t.numel(), LanguageModelImpl::decays(p.key(), t)};
    index_[s.name] = slots_.size();
    slots_.push_back(s);
    size_ += aligned(s.numel);
  }
  value_block_ = torch::zeros({size_}, torch::dtype(dtype));
  grad_block_ = torch::zeros({size_}, torch::dtype(dtype));
  values_ = value_block_.data_ptr<T>();
  grads_ = grad_block_.data_ptr<T>();
  torch::NoGradGuard no_grad;
  for (const auto& s : slots_) {
    auto view = value_block_.narrow(0, s.offset, s.numel).view(s.shape);
    auto& parameter = named[s.name];
    view.copy_(parameter);
    parameter.set_data(view);
  }
}

template <typename T>
const ParameterSlot& FlatParameters<T>::slot(const std::string& name) const {
  const auto it = index_.find(name);
  TORCH_CHECK(it != index_.end(), "FlatParameters: the model has no parameter '", name, "'");
  return slots_[it->second];
}

template class FlatParameters<float>;
template class FlatParameters<double>;

}  // namespace fl::engine
