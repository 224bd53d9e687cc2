#include "train/tensor_bytes.h"

#include <cstring>

#include "core/error.h"

namespace fl {

namespace {

safetensors::DType safetensors_dtype(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat32: return safetensors::DType::F32;
    case torch::kInt64: return safetensors::DType::I64;
    case torch::kUInt8: return safetensors::DType::U8;
    default: throw Error(std::string("checkpoint: no safetensors dtype for ") + c10::toString(type));
  }
}

torch::ScalarType torch_dtype(safetensors::DType dtype) {
  switch (dtype) {
    case safetensors::DType::F32: return torch::kFloat32;
    case safetensors::DType::I64: return torch::kInt64;
    case safetensors::DType::U8: return torch::kUInt8;
    default: throw Error(std::string("checkpoint: no torch dtype for ") + safetensors::dtype_name(dtype));
  }
}

}  // namespace

safetensors::Tensor to_safetensor(const torch::Tensor& t) {
  const auto c = t.detach().cpu().contiguous();
  safetensors::Tensor out{safetensors_dtype(c.scalar_type()), c.sizes().vec(), std::string(c.nbytes(), '\0')};
  std::memcpy(out.bytes.data(), c.data_ptr(), out.bytes.size());
  return out;
}

torch::Tensor from_safetensor(const safetensors::File& file, const std::string& name, const std::string& source,
                              safetensors::DType dtype, const std::vector<int64_t>& shape) {
  const auto& t = file.at(name, source);
  require(t.dtype == dtype, source + ": tensor '" + name + "' has dtype " + safetensors::dtype_name(t.dtype) +
                                ", expected " + safetensors::dtype_name(dtype));
  require(t.shape == shape, source + ": tensor '" + name + "' has shape " + c10::str(c10::IntArrayRef(t.shape)) +
                                ", expected " + c10::str(c10::IntArrayRef(shape)));
  auto out = torch::empty(shape, torch::TensorOptions().dtype(torch_dtype(dtype)));  // same shape as the file's
  std::memcpy(out.data_ptr(), t.bytes.data(), t.bytes.size());
  return out;
}

}  // namespace fl
