// freelunch keys [--markdown]: every config key with its type, default, range and meaning
// (train/config_keys.h; docs/CONFIG.md is the Markdown output).
#include <cstdio>

#include "cli/commands.h"
#include "train/config_keys.h"

namespace fl::cli {

void add_keys_command(CLI::App& root) {
  auto markdown = std::make_shared<bool>(false);
  auto* cmd = root.add_subcommand("keys", "list every config key with its default, range and meaning");
  cmd->add_flag("--markdown", *markdown, "print docs/CONFIG.md");
  cmd->callback([markdown] { std::printf("%s", (*markdown ? keys_markdown() : keys_table()).c_str()); });
}

}  // namespace fl::cli
