// Mamba-1 (model.type = mamba) under Hugging Face's MambaForCausalLM and llama.cpp's "mamba"
// architecture. Sources (docs/EXPORT.md): transformers' models/mamba/configuration_mamba.py and
// modeling_mamba.py; llama.cpp's gguf-py/gguf/constants.py, convert_hf_to_gguf.py (MambaModel)
// and src/llama-model.cpp (LLM_ARCH_MAMBA), commit c392e5094deaf2d1a7c18683214f007fad3fe42b, with
// the conv kernel squeezed to 2-D as llama.cpp PR #12573 restored.
#include "interchange/family_naming.h"

namespace fl::interchange {

namespace {

std::string unsupported(const ModelConfig& m, Target target) {
  const std::string who = target == Target::hf ? "Hugging Face's MambaForCausalLM" : "llama.cpp's mamba";
  if (m.norm != "rmsnorm") return who + " has RMSNorm only (model.norm = " + m.norm + ")";
  if (target == Target::gguf && m.expand != 2)
    return who + " supports expand = 2 only, d_inner = 2·d_model (model.expand = " + std::to_string(m.expand) + ")";
  return "";
}

const std::string kLayer = "backbone.layers.{i}.";

}  // namespace

const FamilyNaming& mamba1_naming() {
  static const FamilyNaming table{
      ModelFamily::mamba,
      "mamba",
      "MambaForCausalLM",
      "mamba",
      {
          {"backbone.embedding.weight", "backbone.embeddings.weight", "token_embd.weight"},
          {kLayer + "norm.weight", kLayer + "norm.weight", "blk.{i}.attn_norm.weight"},
          {kLayer + "mixer.in_proj.weight", kLayer + "mixer.in_proj.weight", "blk.{i}.ssm_in.weight"},
          {kLayer + "mixer.conv1d.weight", kLayer + "mixer.conv1d.weight", "blk.{i}.ssm_conv1d.weight",
           GgufTransform::drop_unit_dim},
          {kLayer + "mixer.conv1d.bias", kLayer + "mixer.conv1d.bias", "blk.{i}.ssm_conv1d.bias"},
          {kLayer + "mixer.x_proj.weight", kLayer + "mixer.x_proj.weight", "blk.{i}.ssm_x.weight"},
          {kLayer + "mixer.dt_proj.weight", kLayer + "mixer.dt_proj.weight", "blk.{i}.ssm_dt.weight"},
          {kLayer + "mixer.dt_proj.bias", kLayer + "mixer.dt_proj.bias", "blk.{i}.ssm_dt.bias"},
          {kLayer + "mixer.A_log", kLayer + "mixer.A_log", "blk.{i}.ssm_a", GgufTransform::negative_exp},
          {kLayer + "mixer.D", kLayer + "mixer.D", "blk.{i}.ssm_d"},
          {kLayer + "mixer.out_proj.weight", kLayer + "mixer.out_proj.weight", "blk.{i}.ssm_out.weight"},
          {"backbone.norm_f.weight", "backbone.norm_f.weight", "output_norm.weight"},
          {"lm_head.weight", "", ""},  // tied: HF and llama.cpp take it from the embedding
      },
      "backbone.embedding.weight",
      "lm_head.weight",
      {
          // freelunch key, HF key, GGUF key, GGUF type, value, HF's default when absent[, must match]
          {"model.vocab_size", "vocab_size", "mamba.vocab_size", GgufType::uint32,
           [](const ModelConfig& m) { return Json(m.vocab_size); }, 50280},
          {"", "", "mamba.context_length", GgufType::uint32,  // no limit: llama.cpp's converter's value
           [](const ModelConfig&) { return Json(1 << 20); }},
          {"model.d_model", "hidden_size", "mamba.embedding_length", GgufType::uint32,
           [](const ModelConfig& m) { return Json(m.d_model); }, 768},
          {"", "", "mamba.feed_forward_length", GgufType::uint32, [](const ModelConfig&) { return Json(0); }},
          {"", "", "mamba.attention.head_count", GgufType::uint32, [](const ModelConfig&) { return Json(0); }},
          {"model.n_layer", "num_hidden_layers", "mamba.block_count", GgufType::uint32,
           [](const ModelConfig& m) { return Json(m.n_layer); }, 32},
          {"model.d_conv", "conv_kernel", "mamba.ssm.conv_kernel", GgufType::uint32,
           [](const ModelConfig& m) { return Json(m.d_conv); }, 4},
          {"", "intermediate_size", "mamba.ssm.inner_size", GgufType::uint32,
           [](const ModelConfig& m) { return Json(m.d_inner()); }},
          {"model.d_state", "state_size", "mamba.ssm.state_size", GgufType::uint32,
           [](const ModelConfig& m) { return Json(m.d_state); }, 16},
          {"model.dt_rank", "time_step_rank", "mamba.ssm.time_step_rank", GgufType::uint32,
           [](const ModelConfig& m) { return Json(m.dt_rank); }, "auto"},
          {"model.norm_eps", "layer_norm_epsilon", "mamba.attention.layer_norm_rms_epsilon", GgufType::float32,
           [](const ModelConfig& m) { return Json(m.norm_eps); }, 1e-5},
          {"", "", "mamba.ssm.dt_b_c_rms", GgufType::boolean, [](const ModelConfig&) { return Json(false); }},
          {"model.expand", "expand", "", GgufType::uint32, [](const ModelConfig& m) { return Json(m.expand); }, 2},
          {"", "use_bias", "", GgufType::boolean, [](const ModelConfig&) { return Json(false); }, true},
          {"", "use_conv_bias", "", GgufType::boolean, [](const ModelConfig&) { return Json(true); }, true},
          {"", "hidden_act", "", GgufType::string, [](const ModelConfig&) { return Json("silu"); }, "silu"},
          // Initialisation and precision only: the same function whatever they say.
          {"model.dt_min", "time_step_min", "", GgufType::float32, [](const ModelConfig& m) { return Json(m.dt_min); },
           0.001, false},
          {"model.dt_max", "time_step_max", "", GgufType::float32, [](const ModelConfig& m) { return Json(m.dt_max); },
           0.1, false},
          {"model.dt_init_floor", "time_step_floor", "", GgufType::float32,
           [](const ModelConfig& m) { return Json(m.dt_init_floor); }, 1e-4, false},
          {"", "time_step_scale", "", GgufType::float32, [](const ModelConfig&) { return Json(1.0); }, 1.0, false},
          {"", "time_step_init_scheme", "", GgufType::string, [](const ModelConfig&) { return Json("random"); },
           "random", false},
          {"", "residual_in_fp32", "", GgufType::boolean, [](const ModelConfig&) { return Json(true); }, true, false},
          {"", "tie_word_embeddings", "", GgufType::boolean, [](const ModelConfig&) { return Json(true); }, true,
           false},
          {"", "torch_dtype", "", GgufType::string, [](const ModelConfig&) { return Json("float32"); }, nullptr,
           false},
      },
      unsupported,
  };
  return table;
}

}  // namespace fl::interchange
