// freelunch info --checkpoint DIR: what the model is, its size and its inference state.
#include <cstdio>

#include "cli/commands.h"
#include "cost/state_footprint.h"
#include "render/table.h"
#include "train/checkpoint.h"

namespace fl::cli {

void add_info_command(CLI::App& root) {
  auto checkpoint = std::make_shared<std::string>();
  auto* cmd = root.add_subcommand("info", "parameters and state/cache bytes of a checkpoint");
  cmd->add_option("--checkpoint", *checkpoint, "run directory")->required();
  cmd->callback([checkpoint] {
    auto ck = load_checkpoint(*checkpoint);
    const auto& m = ck.config.model;
    const auto state = cost::state_footprint(ck.model);
    std::printf("model       %s\n", m.to_json().dump().c_str());
    std::printf("task        %s\n", ck.task->describe().c_str());
    std::printf("parameters  %s\n", with_commas(ck.model->num_parameters()).c_str());
    std::printf("state       %s at t=1, %s at t=1024, +%s per extra token (float32, all layers)\n",
                human_bytes(state.bytes_at_1).c_str(), human_bytes(state.bytes_at_1024).c_str(),
                human_bytes(state.growth_per_token).c_str());
  });
}

}  // namespace fl::cli
