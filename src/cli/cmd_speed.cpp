// freelunch speed: the side-by-side benchmark against the PyTorch mirror (docs/PERFORMANCE.md).
#include <cstdio>

#include "cli/commands.h"
#include "cli/source_tree.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/output_path.h"
#include "speed/side_by_side.h"

namespace fl::cli {

void add_speed_command(CLI::App& root) {
  struct SpeedArgs {
    bool quick = false, keep = false, quiet = false;
    std::string out, json, work, source, python = "/usr/bin/python3";
  };
  auto a = std::make_shared<SpeedArgs>();
  auto* cmd = root.add_subcommand("speed", "benchmark freelunch against the PyTorch mirror (reference/) side by side");
  cmd->add_flag("--quick", a->quick, "tiny models and few steps: checks the machinery in about a minute");
  cmd->add_option("--out", a->out, "also write the Markdown report to this file");
  cmd->add_option("--json", a->json, "also write every raw figure as JSON to this file");
  cmd->add_option("--work", a->work, "directory for the checkpoints (default: a fresh temporary one, removed after)");
  cmd->add_flag("--keep", a->keep, "keep the work directory");
  cmd->add_option("--source", a->source,
                  "source tree holding configs/ and reference/ (default: the working directory if it holds them, "
                  "else the checkout the binary sits in, as build/freelunch)");
  cmd->add_option("--python", a->python, "interpreter with Debian's python3-torch")->capture_default_str();
  cmd->add_flag("--quiet", a->quiet, "no progress bar");
  cmd->callback([a] {
    if (!a->out.empty()) require_output_file(a->out, "--out");
    if (!a->json.empty()) require_output_file(a->json, "--json");
    if (!a->work.empty()) require_output_directory(a->work, "--work");
    speed::SpeedOptions o;
    o.plan = a->quick ? speed::quick_plan() : speed::full_plan();
    const auto found = a->source.empty() ? default_source_tree() : std::optional<std::filesystem::path>(a->source);
    require(found.has_value(), "speed needs the source tree's configs/ and reference/: run it from the checkout "
                               "or pass --source DIR");
    o.source_dir = *found;
    o.mirror = {a->python, o.source_dir / "reference"};
    o.work_dir = a->work, o.keep_work_dir = a->keep, o.progress = !a->quiet;
    const Json result = speed::run_side_by_side(o);
    const std::string report = speed::speed_markdown(result);
    std::printf("%s", report.c_str());
    if (!a->out.empty()) write_file_atomic(a->out, report);
    if (!a->json.empty()) write_file_atomic(a->json, result.dump(2) + "\n");
  });
}

}  // namespace fl::cli
