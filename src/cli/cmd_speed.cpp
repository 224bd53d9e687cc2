// freelunch speed: the side-by-side benchmark against the PyTorch mirror (docs/PERFORMANCE.md).
// freelunch speed-worker: one measurement in a child process (used by `speed`; not for users).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include "cli/commands.h"
#include "cli/source_tree.h"
#include "cli/flags.h"
#include "core/atomic_file.h"
#include "core/output_path.h"
#include "core/error.h"
#include "speed/side_by_side.h"
#include "speed/workers.h"

namespace fl::cli {

namespace fs = std::filesystem;

namespace {

struct SpeedArgs {
  bool quick = false, keep = false, quiet = false;
  std::string out, json, work, source, python = "/usr/bin/python3";
};

struct WorkerArgs {
  std::string checkpoint, positions = "64,1024,8192";
  int64_t batch = 16, length = 128, steps = 5, warmup = 2, tokens = 32, seed = 1;
};

std::vector<int64_t> parse_positions(const std::string& text) {
  std::vector<int64_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    char* rest = nullptr;
    const long long v = std::strtoll(item.c_str(), &rest, 10);
    require(!item.empty() && *rest == '\0' && v > 0 && (out.empty() || v > out.back()),
            "--positions must be increasing positive integers separated by commas, got '" + text + "'");
    out.push_back(v);
    start = end + 1;
  }
  return out;
}

}  // namespace

void add_speed_command(CLI::App& root) {
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
    if (a->source.empty()) {
      const auto found = default_source_tree();
      require(found.has_value(), "speed needs the source tree's configs/ and reference/: run it from the checkout "
                                 "or pass --source DIR");
      o.source_dir = *found;
    } else {
      o.source_dir = a->source;
    }
    o.mirror = {a->python, o.source_dir / "reference"};
    o.progress = !a->quiet;
    const bool temporary = a->work.empty();
    if (temporary) {
      char name[] = "/tmp/freelunch-speed-XXXXXX";
      require(mkdtemp(name) != nullptr, "cannot create a temporary directory in /tmp");
      o.work_dir = name;
    } else {
      o.work_dir = a->work;
    }
    Json result;
    try {
      result = speed::run_side_by_side(o);
    } catch (...) {
      if (temporary && !a->keep) fs::remove_all(o.work_dir);
      throw;
    }
    if (temporary && !a->keep) fs::remove_all(o.work_dir);
    const std::string report = speed::speed_markdown(result);
    std::printf("%s", report.c_str());
    if (!a->out.empty()) write_file_atomic(a->out, report);
    if (!a->json.empty()) write_file_atomic(a->json, result.dump(2) + "\n");
  });

  const CLI::Range kPositive(int64_t{1}, std::numeric_limits<int64_t>::max()),
      kNonNegative(int64_t{0}, std::numeric_limits<int64_t>::max());
  auto w = std::make_shared<WorkerArgs>();
  auto* worker = root.add_subcommand("speed-worker", "one measurement of `freelunch speed`, in a child process");
  worker->group("");  // internal: hidden from --help
  worker->require_subcommand(1);
  auto* train = worker->add_subcommand("train", "time training steps");
  auto* decode = worker->add_subcommand("decode", "time batch-1 generation steps");
  for (auto* sub : {train, decode}) {
    sub->add_option("--checkpoint", w->checkpoint, "checkpoint directory")->required();
    add_seed_option(sub, w->seed, "seed of the random tokens");
  }
  train->add_option("--batch", w->batch)->check(kPositive);
  train->add_option("--length", w->length)->check(kPositive);
  train->add_option("--steps", w->steps)->check(kPositive);
  train->add_option("--warmup", w->warmup)->check(kNonNegative);
  decode->add_option("--positions", w->positions, "increasing positions, comma-separated");
  decode->add_option("--tokens", w->tokens, "steps timed at each position")->check(kPositive);
  train->callback([w] {
    std::printf("%s\n", speed::train_timing(w->checkpoint, w->batch, w->length, w->steps, w->warmup, w->seed).dump().c_str());
  });
  decode->callback([w] {
    const auto json = speed::decode_timing(w->checkpoint, parse_positions(w->positions), w->tokens, w->seed);
    std::printf("%s\n", json.dump().c_str());
  });
}

}  // namespace fl::cli
