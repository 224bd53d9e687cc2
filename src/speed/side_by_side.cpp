#include "speed/side_by_side.h"

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "core/allocator.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/statistics.h"
#include "core/subprocess.h"
#include "core/timing.h"
#include "engine/engine_mode.h"
#include "experiments/worker_command.h"
#include "kernels/kernel_mode.h"
#include "speed/roofline.h"
#include "speed/training_flops.h"
#include "speed/workers.h"
#include "train/checkpoint.h"

namespace fl::speed {

namespace fs = std::filesystem;

namespace {

// The last non-empty stdout line of a worker, as JSON; fl::Error with the worker's own message otherwise.
Json worker_json(const ChildResult& r, const std::string& what) {
  auto last_line = [](const std::string& s) {
    size_t end = s.find_last_not_of("\n ");
    if (end == std::string::npos) return std::string();
    const size_t begin = s.rfind('\n', end);
    return s.substr(begin == std::string::npos ? 0 : begin + 1, end + 1 - (begin == std::string::npos ? 0 : begin + 1));
  };
  require(r.exit_code == 0, what + " failed (exit " + std::to_string(r.exit_code) + "): " + last_line(r.err));
  try {
    return Json::parse(last_line(r.out));
  } catch (const Json::exception&) {
    throw Error(what + " printed no JSON result: " + last_line(r.out));
  }
}

struct Sides {
  const SpeedOptions& o;
  int threads = at::get_num_threads();

  // A freelunch worker on `engine` with `threads_override` threads (0: the run's).
  std::vector<std::string> freelunch(const std::vector<std::string>& args, engine::Mode engine = engine::mode(),
                                     int64_t threads_override = 0) const {
    std::vector<std::string> worker_args = {"speed-worker"};
    worker_args.insert(worker_args.end(), args.begin(), args.end());
    return freelunch_child_command(threads_override > 0 ? static_cast<int>(threads_override) : threads, worker_args,
                                   engine);
  }
  // Same allocator policy on both sides: freelunch sets it itself (keep_freed_memory).
  std::vector<std::string> pytorch(const std::vector<std::string>& args, int64_t threads_override = 0) const {
    std::vector<std::string> argv = {"env", "GLIBC_TUNABLES=" + allocator_tunables(), o.mirror.python,
                                     (o.mirror.reference_dir / "bench.py").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--threads", std::to_string(threads_override > 0 ? threads_override : threads)});
    return argv;
  }
};

std::string join(const std::vector<int64_t>& v) {
  std::string s;
  for (auto x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

// Builds every distinct model of the plan from its config (seeded) and saves it as a checkpoint.
std::map<std::string, fs::path> make_checkpoints(const SpeedOptions& o) {
  std::map<std::string, fs::path> dirs;
  std::vector<ModelCase> models = o.plan.decode;
  for (const auto& c : o.plan.train) models.push_back(c.model);
  for (const auto& m : models) {
    if (dirs.count(m.label)) continue;
    const auto config = RunConfig::load(o.source_dir / m.config, m.overrides);
    require(config.model.family == m.family, m.config + ": model.type is " + to_string(config.model.family) +
                                                 ", but the speed plan's case '" + m.label + "' expects " +
                                                 to_string(m.family));
    torch::manual_seed(config.seed);
    LanguageModel model(config.model);
    const auto dir = o.work_dir / ("model-" + std::to_string(dirs.size()));
    save_checkpoint(dir, model, config);
    dirs[m.label] = dir;
  }
  return dirs;
}

// freelunch's forward logits against the mirror's, on random tokens.
Json logits_agreement(const SpeedOptions& o, const std::map<std::string, fs::path>& checkpoints) {
  torch::NoGradGuard no_grad;
  Json rows = Json::array();
  for (const auto& [label, dir] : checkpoints) {
    auto loaded = load_checkpoint(dir);
    loaded.model->eval();
    const auto tokens = torch::randint(0, loaded.config.model.vocab_size, {2, 24}, torch::kInt64);  // (2, 24)
    const auto theirs = o.mirror.logits(dir, tokens, false);
    const double diff = (loaded.model->forward(tokens) - theirs).abs().max().item<double>();
    rows.push_back({{"model", label}, {"max_abs_diff", diff}});
  }
  return rows;
}

Json measure(const SpeedOptions& o) {
  const auto& plan = o.plan;
  const auto start = std::chrono::steady_clock::now();
  o.mirror.require_available();
  require(fs::exists(o.mirror.reference_dir / "bench.py"), (o.mirror.reference_dir / "bench.py").string() + ": not found");
  if (fs::exists(o.work_dir))
    require(fs::is_directory(o.work_dir) && fs::is_empty(o.work_dir), o.work_dir.string() + ": exists and is not an empty directory");
  fs::create_directories(o.work_dir);
  const auto checkpoints = make_checkpoints(o);
  Json result = {{"threads", at::get_num_threads()}, {"kernels", kernels::mode_name(kernels::mode())},
                 {"allocator", allocator_tunables()}};
  result["logits"] = logits_agreement(o, checkpoints);

  const Sides sides{o};
  const int64_t runs =
      plan.rounds * (3 * static_cast<int64_t>(plan.train.size()) + 2 * static_cast<int64_t>(plan.decode.size()));
  Progress progress("speed", runs, o.progress);
  int64_t done = 0;
  // Runs one child of each side per round; the order of the sides rotates round by round.
  auto alternate = [&](const std::string& what, const std::vector<std::vector<std::string>>& argvs,
                       const std::vector<std::string>& names, auto&& collect) {
    const size_t n = argvs.size();
    for (int64_t round = 0; round < plan.rounds; ++round) {
      for (size_t k = 0; k < n; ++k) {
        const size_t side = (k + static_cast<size_t>(round)) % n;
        const auto r = run_child(argvs[side]);
        collect(side, worker_json(r, what + " (" + names[side] + ")"), r);
        progress.update(++done, what);
      }
    }
  };

  // Training: the flat engine, the libtorch path and the PyTorch mirror.
  const std::vector<std::string> train_sides = {"flat", "libtorch", "pytorch"};
  std::set<int64_t> thread_counts;
  result["train"] = Json::array();
  for (const auto& c : plan.train) {
    const auto dir = checkpoints.at(c.model.label).string();
    const int64_t steps = c.steps > 0 ? c.steps : plan.steps, warmup = c.steps > 0 ? c.warmup : plan.warmup;
    const int64_t threads = c.threads > 0 ? c.threads : at::get_num_threads();
    thread_counts.insert(threads);
    std::vector<std::string> args = {"train", "--checkpoint", dir, "--batch", std::to_string(c.batch),
                                     "--length", std::to_string(c.length), "--steps", std::to_string(steps),
                                     "--warmup", std::to_string(warmup), "--seed", "1"};
    std::vector<double> ms[3], rss[3];
    alternate("train " + c.model.label,
              {sides.freelunch(args, engine::Mode::kFlat, threads), sides.freelunch(args, engine::Mode::kLibtorch, threads),
               sides.pytorch(args, threads)},
              train_sides, [&](size_t side, const Json& j, const ChildResult& r) {
                for (double x : j.at("step_ms")) ms[side].push_back(x);
                rss[side].push_back(static_cast<double>(r.peak_rss_kib) / 1024.0);
              });
    const auto config = load_checkpoint(dir).config;
    Json row = {{"model", c.model.label}, {"mamba", c.model.is_mamba()}, {"batch", c.batch}, {"length", c.length},
                {"threads", threads}, {"flops", training_flops(config.model, c.batch, c.length)},
                {"target_libtorch", c.target_libtorch}, {"target_pytorch", c.target_pytorch}};
    for (size_t side = 0; side < 3; ++side) {
      row[train_sides[side] + "_ms"] = median(ms[side]);
      row[train_sides[side] + "_rss_mib"] = median(rss[side]);
    }
    result["train"].push_back(row);
  }

  result["decode"] = Json::array();
  for (const auto& m : plan.decode) {
    std::vector<std::string> args = {"decode", "--checkpoint", checkpoints.at(m.label).string(), "--positions",
                                     join(plan.positions), "--tokens", std::to_string(plan.decode_tokens), "--seed", "1"};
    std::map<int64_t, std::vector<double>> ms[2];
    alternate("decode " + m.label, {sides.pytorch(args), sides.freelunch(args)}, {"PyTorch", "freelunch"},
              [&](size_t ours, const Json& j, const ChildResult&) {
                for (int64_t p : plan.positions) ms[ours][p].push_back(j.at("ms_per_token").at(std::to_string(p)));
              });
    for (int64_t p : plan.positions)
      result["decode"].push_back({{"model", m.label}, {"mamba", m.is_mamba()}, {"position", p},
                                  {"freelunch_ms", median(ms[1][p])}, {"pytorch_ms", median(ms[0][p])}});
  }
  progress.finish();

  result["scan_memory"] = Json::array();
  for (int64_t L : plan.memory_lengths)
    result["scan_memory"].push_back({{"length", L},
                                     {"fused_bytes_per_token", scan_saved_bytes_per_token(L, 256, 16, true)},
                                     {"reference_bytes_per_token", scan_saved_bytes_per_token(L, 256, 16, false)}});
  const int64_t reps = plan.roofline_repeats;
  result["peaks"] = Json::array();  // the yardsticks at each thread count the training cases use
  const int run_threads = at::get_num_threads();
  for (int64_t threads : thread_counts) {
    at::set_num_threads(static_cast<int>(threads));
    result["peaks"].push_back(
        {{"threads", threads}, {"fma_gflops", fma_peak_gflops()}, {"gemm_gflops", gemm_gflops(1024, reps)}});
  }
  at::set_num_threads(run_threads);
  result["roofline"] = {{"fma_peak_gflops", fma_peak_gflops()},
                        {"gemm_gflops", gemm_gflops(1024, reps)},
                        {"scan_forward_gflops", scan_forward_gflops(16, 128, 256, 16, reps)},
                        {"attention_forward_gflops", attention_forward_gflops(16, 128, 4, 32, 0, reps)},
                        {"attention_long_gflops", attention_forward_gflops(1, 4096, 4, 32, 0, std::max<int64_t>(1, reps / 4))}};
  result["seconds"] = seconds_since(start);
  return result;
}

}  // namespace

Json run_side_by_side(const SpeedOptions& options) {
  if (!options.work_dir.empty()) return measure(options);
  SpeedOptions o = options;
  char name[] = "/tmp/freelunch-speed-XXXXXX";
  require(mkdtemp(name) != nullptr, "cannot create a temporary directory in /tmp");
  o.work_dir = name;
  const auto remove = [&] {
    if (!o.keep_work_dir) fs::remove_all(o.work_dir);
  };
  try {
    Json result = measure(o);
    remove();
    return result;
  } catch (...) {
    remove();
    throw;
  }
}

}  // namespace fl::speed
