// build/freelunch: dispatches to the subcommands in src/cli/. User errors print one line
// "freelunch: error: …" and exit 2.
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/allocator.h"
#include "core/error.h"
#include "core/threads.h"
#include "engine/engine_mode.h"
#include "kernels/kernel_mode.h"
#include "train/trainer.h"

namespace {

// A user error is one line even when it quotes input holding line breaks (e.g. a --set value).
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

// std::filesystem reports a path it cannot use (too long, a symlink loop, a file where a directory
// is needed, no permission) by throwing; whichever command and argument hit it, that is bad
// input, not a bug: "<path>: <what was tried>: <why>". libstdc++ words it
// "filesystem error: <what was tried>: <why> [<path>] [<path2>]".
std::string filesystem_problem(const std::filesystem::filesystem_error& e) {
  std::string what = e.what();
  const std::string prefix = "filesystem error: ", reason = ": " + e.code().message();
  if (what.rfind(prefix, 0) == 0) what.erase(0, prefix.size());
  what = what.substr(0, what.find(reason));
  if (what == "status" || what == "symlink_status") what = "cannot access";
  std::string paths = e.path1().string();
  if (!e.path2().empty()) paths += " → " + e.path2().string();
  return (paths.empty() ? "" : paths + ": ") + what + reason;
}

}  // namespace

int main(int argc, char** argv) {
  fl::keep_freed_memory();
  CLI::App app{"freelunch: can Mamba always enjoy the free lunch? COPY and CoT, Mamba vs Transformers"};
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "worker threads: 0 = all cores (default); at most the larger of 256 and 4 × cores");
  std::string kernels = "fused";
  app.add_option("--kernels", kernels, "fused (default): the hand-written CPU kernels and torch-free step engine; "
                                       "reference: the plain-libtorch paths they are tested against");
  std::string engine = "flat";
  app.add_option("--engine", engine, "training path: flat (default): whole-block forward and backward on flat "
                                     "buffers; libtorch: the modules with autograd, which flat is tested against "
                                     "(also used whenever --kernels reference)");
  app.parse_complete_callback([&] {
    fl::configure_threads(threads);
    fl::kernels::set_mode(fl::kernels::parse_mode(kernels));
    fl::engine::set_mode(fl::engine::parse_mode(engine));
  });
  fl::cli::add_train_command(app);
  fl::cli::add_eval_command(app);
  fl::cli::add_generate_command(app);
  fl::cli::add_info_command(app);
  fl::cli::add_export_command(app);
  fl::cli::add_compare_command(app);
  fl::cli::add_keys_command(app);
  fl::cli::add_tasks_command(app);
  fl::cli::add_sample_command(app);
  fl::cli::add_speed_command(app);
  fl::cli::add_speed_worker_command(app);
  fl::cli::add_theory_command(app);
  fl::cli::add_attention_command(app);
  fl::cli::add_cost_command(app);
  fl::cli::add_sweep_command(app);
  fl::cli::add_results_command(app);
  fl::cli::add_reproduce_command(app);
  try {
    // CLI11 reports a mistyped command as "A subcommand is required": name it instead.
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--threads" || arg == "--kernels" || arg == "--engine") {
        ++i;
        continue;
      }
      if (arg.empty() || arg[0] == '-') continue;
      if (app.get_subcommands([&](CLI::App* sub) { return sub->check_name(arg); }).empty()) {
        std::string known;
        for (const auto* sub : app.get_subcommands({}))
          if (!sub->get_group().empty()) known += (known.empty() ? "" : ", ") + sub->get_name();
        std::fprintf(stderr, "freelunch: error: unknown command '%s' (commands: %s)\n", arg.c_str(), known.c_str());
        return 2;
      }
      break;
    }
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "freelunch: error: %s\n", one_line(e.what()).c_str());
    return 2;
  } catch (const fl::TrainingInterrupted& e) {
    // Work stopped cleanly at a checkpoint. Die of the signal, as if it had not been caught: the
    // shell reports 128 + signal and stops a script or loop that ran this command.
    std::fprintf(stderr, "freelunch: %s\n", e.what());
    std::fflush(stdout);
    std::signal(e.signal(), SIG_DFL);
    std::raise(e.signal());
    return 128 + e.signal();
  } catch (const fl::Error& e) {
    std::fprintf(stderr, "freelunch: error: %s\n", one_line(e.what()).c_str());
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    std::fprintf(stderr, "freelunch: error: %s\n", one_line(filesystem_problem(e)).c_str());
    return 2;
  } catch (const std::exception& e) {  // a bug, not bad input: first line only (libtorch appends a backtrace)
    const std::string what = e.what();
    std::fprintf(stderr, "freelunch: internal error: %s\n", what.substr(0, what.find('\n')).c_str());
    return 1;
  }
  return 0;
}
