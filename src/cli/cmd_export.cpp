// freelunch export --checkpoint DIR --format hf|gguf --out DIR2 [--force]
// A checkpoint as a Hugging Face transformers directory or a llama.cpp GGUF file (docs/EXPORT.md).
#include <cstdio>

#include "cli/commands.h"
#include "interchange/exporter.h"
#include "train/checkpoint.h"
#include "train/tensor_bytes.h"

namespace fl::cli {

namespace {

interchange::ExportSource export_source(const LoadedCheckpoint& ck) {
  interchange::ExportSource source;
  source.model = ck.config.model;
  for (const auto& [name, tensor] : ck.model->named_weights())
    source.weights.tensors.emplace(name, to_safetensor(tensor.to(torch::kFloat32)));
  source.token_names = ck.task->vocab().names();
  source.pad_id = ck.task->pad_id();
  source.eos_id = ck.task->eos_id();
  source.run_config = ck.config.to_json();
  source.recorded_vocab = ck.config.recorded_vocab;
  return source;
}

}  // namespace

void add_export_command(CLI::App& root) {
  struct Args {
    std::string checkpoint, format, out;
    bool force = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = root.add_subcommand("export", "write a checkpoint as a Hugging Face directory or a GGUF file");
  cmd->add_option("--checkpoint", args->checkpoint, "run directory (or a Hugging Face / mamba_ssm directory)")
      ->required();
  cmd->add_option("--format", args->format, "hf (config.json + model.safetensors) or gguf (model.gguf)")->required();
  cmd->add_option("--out", args->out, "output directory (must be empty unless --force)")->required();
  cmd->add_flag("--force", args->force, "write into a non-empty --out, replacing the export's files there");
  cmd->callback([args] {
    const auto target = interchange::parse_target(args->format, "--format");
    interchange::check_export_output(args->out, args->force);
    const auto ck = load_checkpoint(args->checkpoint);
    for (const auto& file : interchange::export_model(export_source(ck), target, args->out, args->force))
      std::printf("wrote %s\n", file.string().c_str());
  });
}

}  // namespace fl::cli
