#include "interchange/export_source.h"

#include "core/error.h"

namespace fl::interchange {

const safetensors::Tensor& source_tensor(const ExportSource& source, const std::string& name) {
  const auto& t = source.weights.at(name, "the checkpoint's weights");
  require(t.dtype == safetensors::DType::F32,
          "the checkpoint's tensor '" + name + "' is " + safetensors::dtype_name(t.dtype) + ", exports need F32");
  return t;
}

}  // namespace fl::interchange
