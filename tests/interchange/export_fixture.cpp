#include "interchange/export_fixture.h"

#include <cmath>
#include <cstring>

namespace fl::test_support {

namespace {

safetensors::Tensor tensor(std::vector<int64_t> shape, int salt) {
  safetensors::Tensor t;
  t.shape = std::move(shape);
  std::vector<float> v(t.numel());
  for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<float>(std::sin(0.37 * static_cast<double>(k) + salt));
  t.bytes.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  return t;
}

}  // namespace

std::vector<float> values_of(const safetensors::Tensor& t) {
  std::vector<float> v(t.bytes.size() / sizeof(float));
  std::memcpy(v.data(), t.bytes.data(), t.bytes.size());
  return v;
}

interchange::ExportSource tiny_export_source() {
  interchange::ExportSource s;
  ModelConfig& m = s.model;
  m.family = ModelFamily::mamba;
  m.vocab_size = 7, m.d_model = 4, m.n_layer = 2, m.d_state = 3, m.d_conv = 3, m.expand = 2, m.dt_rank = 2;
  const int64_t V = 7, D = 4, Di = 8, N = 3, K = 3, R = 2;
  int salt = 0;
  auto& w = s.weights.tensors;
  w["backbone.embedding.weight"] = tensor({V, D}, ++salt);
  w["lm_head.weight"] = w["backbone.embedding.weight"];
  w["backbone.norm_f.weight"] = tensor({D}, ++salt);
  for (int i = 0; i < 2; ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    w[p + "norm.weight"] = tensor({D}, ++salt);
    w[p + "mixer.in_proj.weight"] = tensor({2 * Di, D}, ++salt);
    w[p + "mixer.conv1d.weight"] = tensor({Di, 1, K}, ++salt);
    w[p + "mixer.conv1d.bias"] = tensor({Di}, ++salt);
    w[p + "mixer.x_proj.weight"] = tensor({R + 2 * N, Di}, ++salt);
    w[p + "mixer.dt_proj.weight"] = tensor({Di, R}, ++salt);
    w[p + "mixer.dt_proj.bias"] = tensor({Di}, ++salt);
    w[p + "mixer.A_log"] = tensor({Di, N}, ++salt);
    w[p + "mixer.D"] = tensor({Di}, ++salt);
    w[p + "mixer.out_proj.weight"] = tensor({D, Di}, ++salt);
  }
  s.token_names = {"*", "$", "|", ".", "a", "b"};
  s.pad_id = 0, s.eos_id = 3;
  s.run_config = {{"seed", 1}, {"task", {{"name", "copy"}, {"vocab", 2}}}, {"model", m.to_json()}};
  return s;
}

}  // namespace fl::test_support
