#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>

#include "core/atomic_file.h"
#include "core/progress.h"
#include "core/timing.h"
#include "data/batch.h"
#include "data/data_source.h"
#include "engine/engine_mode.h"
#include "kernels/kernel_mode.h"
#include "train/checkpoint.h"
#include "train/checkpoint_series.h"
#include "train/data_parallel.h"
#include "train/fault_injection.h"
#include "train/metrics.h"
#include "train/run_directory.h"
#include "train/run_lock.h"
#include "train/schedule.h"
#include "train/sequence_limits.h"
#include "train/step_backend.h"
#include "train/stop_signal.h"
#include "train/train_state.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

// A new run's directory must be missing, empty, or the remains of a run that stopped before its
// first checkpoint. Creates nothing.
void check_new_run_directory(const fs::path& dir) {
  switch (RunDirectory(dir).state()) {
    case RunDirectoryState::empty:
    case RunDirectoryState::unstarted:
      return;
    case RunDirectoryState::interrupted:
      throw Error(dir.string() + ": output directory is not empty: it holds an interrupted run (continue it with "
                                 "freelunch train --resume " + dir.string() + ", or choose another --out)");
    default:
      require(fs::is_directory(dir), dir.string() + ": exists and is not a directory");
      throw Error(dir.string() + ": output directory is not empty (choose another --out)");
  }
}

// Creates (or takes over) the run directory and locks it; the remains of a run that stopped
// before its first checkpoint are cleared under the lock, so a run still writing its first
// checkpoint there is never disturbed.
RunDirectoryLock claim_new_run_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  require(!ec, dir.string() + ": cannot create directory: " + ec.message());
  RunDirectoryLock lock(dir);
  check_new_run_directory(dir);
  const RunDirectory run(dir);
  if (run.state() == RunDirectoryState::unstarted) run.clear_unstarted();
  return lock;
}

std::vector<int64_t> eval_sizes(const RunConfig& config, const Task& task) {
  return config.eval.sizes.empty() ? task.default_eval_sizes() : config.eval.sizes;
}

// The validation split (eval.validation examples per evaluated size, from their own stream,
// none of them in the evaluation set); nullopt when eval.validation = 0.
std::optional<EvalSet> validation_split(const RunConfig& config, const Task& task, const EvalSet& eval_set) {
  if (config.eval.validation == 0) return std::nullopt;
  return EvalSet(task, eval_sizes(config, task), config.eval.validation, config.seed, kStreamValidationData,
                 &eval_set);
}

std::string eval_status(const EvalReport& report) {
  const auto all = report.overall();
  char buf[96];
  std::snprintf(buf, sizeof buf, "eval accuracy %.3f (teacher-forced)", all.tf.whole);
  std::string s = buf;
  if (all.generated) std::snprintf(buf, sizeof buf, ", %.3f (generated)", all.gen.whole), s += buf;
  return s;
}

// The process group of a data-parallel run (nullptr: one process), met before anything else so
// that a process refusing the config or the run directory stops the others at once.
std::unique_ptr<DataParallel> join_data_parallel(const TrainOptions& options) {
  if (!options.distributed) return nullptr;
  return std::make_unique<DataParallel>(*options.distributed, options.distributed_timeout);
}

// One run in one process: a fresh start or a restored checkpoint, then steps until the end,
// stop_at or a signal. Steps are counted as metrics.jsonl counts them: after the n-th optimizer
// step, progress_.step = n. Built before its directory is touched: the task, the evaluation set,
// the training set and the model exist, and the sequence lengths are checked, before anything is
// written. In a data-parallel run (data_parallel_ set) every process runs a Trainer in lockstep;
// only rank 0's writes() anything.
class Trainer {
 public:
  Trainer(RunConfig config, LanguageModel model, const TrainOptions& options,
          std::unique_ptr<DataParallel> data_parallel)
      : config_(std::move(config)),
        task_(config_.make_task()),
        eval_set_(*task_, eval_sizes(config_, *task_), config_.eval.samples, config_.seed),
        validation_set_(validation_split(config_, *task_, eval_set_)),
        data_(*task_, held_out_sets(), config_.train.samples, config_.seed),
        model_(std::move(model)),
        engine_(engine::effective_mode(config_.model)),
        backend_(make_step_backend(model_, config_.train, engine_)),
        data_parallel_(std::move(data_parallel)),
        options_(options),
        bar_(config_.model.label(), config_.train.steps, options.show_progress && writes()) {
    check_sequence_lengths(config_, *task_, eval_set_);
    if (data_parallel_) data_parallel_->check_batch_size(config_.train.batch_size);
    if (engine_ != engine::effective_mode() && options.show_progress && writes())
      std::fprintf(stderr, "freelunch: note: the flat engine has no %s layer; %s trains on the libtorch engine\n",
                   to_string(config_.model.family), config_.model.label().c_str());
    if (config_.train.samples == 0) {  // fresh sampling can fail at its first draw: try it on a copy
      DataSource probe = data_;
      probe.next_batch(config_.train.batch_size, config_.train.pack_len);
    }
    model_->train();
    summary_.parameters = model_->num_parameters();
    summary_.size_name = task_->size_name();
  }

  std::vector<const EvalSet*> held_out_sets() const {
    std::vector<const EvalSet*> sets{&eval_set_};
    if (validation_set_) sets.push_back(&*validation_set_);
    return sets;
  }

  // A new run in `out_dir` (claimed and locked here): an empty metrics.jsonl and the checkpoint of step 0.
  void start_fresh(const fs::path& out_dir) {
    if (writes()) {
      attach(out_dir, claim_new_run_directory(out_dir));
      metrics_.emplace(RunDirectory(out_dir_).metrics_file());
    }
    save();
  }

  // Continues the run in `out_dir` from `checkpoint` (weights already in the model; `manifest`
  // verified): AdamW, generator, data position and counters, then metrics.jsonl cut back to that
  // step. `lock`: the run directory's, held by the process that writes() (rank 0).
  void restore(const fs::path& out_dir, std::optional<RunDirectoryLock> lock, const fs::path& checkpoint,
               const Json& manifest) {
    auto state = load_training_state(checkpoint, manifest, model_);
    progress_ = state.progress;
    backend_->set_optimizer_state(state.optimizer, (checkpoint / "train_state.safetensors").string());
    data_.seek(progress_.data, (checkpoint / "progress.json").string());
    require(progress_.step < config_.train.steps,
            checkpoint.string() + ": step " + std::to_string(progress_.step) + " is not before train.steps");
    require(options_.stop_at == 0 || options_.stop_at > progress_.step,
            "--stop-at " + std::to_string(options_.stop_at) + " is not after step " + std::to_string(progress_.step) +
                ", where the run's latest checkpoint " + checkpoint.string() + " stands");
    elapsed_before_ = progress_.elapsed_s;
    last_saved_step_ = progress_.step;
    if (data_parallel_) data_parallel_->require_identical_parameters(model_, progress_.step);
    if (!writes()) return;
    last_saved_ = checkpoint;
    attach(out_dir, std::move(*lock));
    metrics_.emplace(RunDirectory(out_dir_).metrics_file(), progress_.metrics_bytes);
    const std::string kernel_mode = kernels::mode_name(kernels::mode()), engine = engine::mode_name(engine_);
    if (progress_.threads != at::get_num_threads() || progress_.kernels != kernel_mode || progress_.engine != engine)
      std::fprintf(stderr,
                   "freelunch: note: the run was checkpointed with %lld threads, %s kernels and the %s engine and "
                   "continues with %d, %s and %s: its losses will differ from an uninterrupted run's in the last "
                   "bits (docs/RELIABILITY.md)\n",
                   static_cast<long long>(progress_.threads), progress_.kernels.c_str(), progress_.engine.c_str(),
                   at::get_num_threads(), kernel_mode.c_str(), engine.c_str());
    bar_.update(progress_.step, "resumed");
  }

  TrainSummary run() {
    const auto& t = config_.train;
    while (progress_.step < t.steps) {
      if (const int signal = stop_signal()) interrupt(signal);
      if (options_.stop_at > 0 && progress_.step >= options_.stop_at) return stopped();
      train_step();
    }
    return finish();
  }

 private:
  bool writes() const { return !data_parallel_ || data_parallel_->leader(); }

  // SIGINT/SIGTERM received: by this process, or in a data-parallel run by any (agreed at the last step).
  int stop_signal() const { return data_parallel_ ? agreed_signal_ : signals_.received(); }

  // The loss of the global batch; its gradient is left in backend_.
  double forward_backward(const Batch& batch) {
    if (!data_parallel_) return backend_->forward_backward(batch);
    const auto step = data_parallel_->forward_backward(*backend_, batch, signals_.received(), progress_.step + 1);
    agreed_signal_ = step.signal;
    return step.loss;
  }

  void train_step() {
    const auto& t = config_.train;
    auto& p = progress_;
    fault::kill_or_hang_at(p.step + 1);
    const auto t0 = std::chrono::steady_clock::now();
    const double lr = learning_rate(p.step, t.steps, t.warmup, t.lr, t.min_lr_ratio);

    Batch batch = make_batch(data_.next_batch(t.batch_size, t.pack_len), task_->pad_id());  // the global batch
    const double loss = forward_backward(batch);
    const double loss_value = fault::nan_loss_at(p.step + 1) ? std::nan("") : loss;
    require_finite("the training loss", loss_value, p.step + 1);
    if (t.grad_clip > 0) require_finite("the gradient norm", backend_->clip_grad_norm(t.grad_clip), p.step + 1);
    backend_->optimizer_step(lr);

    const double dt = seconds_since(t0);
    ++p.step;
    p.train_seconds += dt, p.interval_seconds += dt;
    p.tokens += batch.tokens, p.interval_tokens += batch.tokens;
    p.interval_loss_sum += loss_value, ++p.interval_steps;

    const bool last = p.step == t.steps;
    if (writes() && (p.step % t.log_every == 0 || last)) {
      summary_.final_loss = p.interval_loss_sum / static_cast<double>(p.interval_steps);
      metrics_->write({{"step", p.step}, {"loss", summary_.final_loss}, {"lr", lr},
                       {"tokens_per_s", static_cast<double>(p.interval_tokens) / p.interval_seconds},
                       {"elapsed_s", elapsed()}});
      p.interval_loss_sum = 0, p.interval_steps = 0, p.interval_tokens = 0, p.interval_seconds = 0;
    }
    if (t.eval_every > 0 && p.step % t.eval_every == 0 && !last) run_eval();
    if (t.checkpoint_every > 0 && p.step % t.checkpoint_every == 0 && !last) save();
    char status[64];
    std::snprintf(status, sizeof status, "loss %.4f", loss_value);
    bar_.update(p.step, status);
  }

  // Every process of a data-parallel run evaluates (the same replica, so each waits as long as
  // rank 0 and no collective waits for an evaluation); rank 0 logs it.
  EvalReport run_eval() {
    auto report = evaluate(model_, *task_, eval_set_, config_.eval.generate, config_.eval.batch_size);
    if (writes()) metrics_->write({{"step", progress_.step}, {"eval", report.to_json()}});
    return report;
  }

  // The training checkpoint of the current step, after checking that the weights are finite (and,
  // data-parallel, the same on every process; rank 0 writes it).
  void save() {
    for (const auto& p : model_->named_parameters())
      if (!torch::isfinite(p.value()).all().item<bool>())
        fail_non_finite("weight " + p.key(), "has non-finite values", progress_.step);
    if (data_parallel_) data_parallel_->require_identical_parameters(model_, progress_.step);
    last_saved_step_ = progress_.step;
    if (!writes()) return;
    metrics_->sync();
    progress_.metrics_bytes = metrics_->bytes();
    progress_.elapsed_s = elapsed();
    progress_.threads = at::get_num_threads();
    progress_.kernels = kernels::mode_name(kernels::mode());
    progress_.engine = engine::mode_name(engine_);
    progress_.data = data_.position();
    last_saved_ = series_->save(model_, backend_->optimizer_state(), config_, progress_);
  }

  void save_unless_saved() {
    if (last_saved_step_ != progress_.step) save();
  }

  [[noreturn]] void interrupt(int signal) {
    save_unless_saved();
    bar_.stop("interrupted");
    throw TrainingInterrupted(signal, "interrupted by " + signal_name(signal) + " at step " +
                                          std::to_string(progress_.step) + " of " +
                                          std::to_string(config_.train.steps) + "; checkpoint " +
                                          (last_saved_ ? last_saved_->string() : "written by rank 0"));
  }

  TrainSummary stopped() {
    save_unless_saved();
    bar_.stop("stopped");
    summary_.finished = false;
    summary_.steps_done = progress_.step;
    if (last_saved_) summary_.checkpoint = *last_saved_;
    summary_.train_seconds = progress_.train_seconds;
    return summary_;
  }

  TrainSummary finish() {
    summary_.steps_done = progress_.step;
    summary_.train_seconds = progress_.train_seconds;
    if (data_parallel_) data_parallel_->require_identical_parameters(model_, progress_.step);
    if (!writes()) return summary_;  // rank 0 evaluates and writes the final checkpoint
    summary_.tokens_per_second = static_cast<double>(progress_.tokens) / std::max(progress_.train_seconds, 1e-9);
    summary_.eval = run_eval();
    if (validation_set_)
      summary_.validation = evaluate(model_, *task_, *validation_set_, config_.eval.generate, config_.eval.batch_size);
    bar_.finish(eval_status(summary_.eval));
    metrics_->sync();
    save_checkpoint(out_dir_, model_, config_);
    summary_.state_bytes_per_token = model_->state_bytes(1);
    summary_.threads = at::get_num_threads();
    RunDirectory(out_dir_).write_summary(summary_);
    series_->remove();  // the final checkpoint is complete: the run is no longer resumable
    summary_.checkpoint = out_dir_;
    return summary_;
  }

  void require_finite(const std::string& what, double value, int64_t step) {
    if (!std::isfinite(value)) fail_non_finite(what, "became " + std::to_string(value), step);
  }

  // Stops without writing anything more: the checkpoints already written stay as they are.
  [[noreturn]] void fail_non_finite(const std::string& what, const std::string& problem, int64_t step) {
    bar_.stop("stopped");
    throw Error("training stopped: " + what + " " + problem + " at step " + std::to_string(step) +
                " (lower train.lr or set train.grad_clip); " +
                (last_saved_  ? "the last good checkpoint is " + last_saved_->string() + " (step " +
                                    std::to_string(last_saved_step_) + ")"
                 : writes() ? std::string("no checkpoint was written")
                            : std::string("rank 0 names the last good checkpoint")));
  }

  double elapsed() const { return elapsed_before_ + bar_.elapsed_seconds(); }

  void attach(const fs::path& out_dir, RunDirectoryLock lock) {
    out_dir_ = out_dir;
    lock_.emplace(std::move(lock));
    series_.emplace(out_dir_);
  }

  RunConfig config_;
  std::unique_ptr<Task> task_;
  EvalSet eval_set_;
  std::optional<EvalSet> validation_set_;  // eval.validation > 0
  DataSource data_;
  LanguageModel model_;
  engine::Mode engine_;
  std::unique_ptr<StepBackend> backend_;
  std::unique_ptr<DataParallel> data_parallel_;  // null: one process
  int agreed_signal_ = 0;                        // data-parallel: the stop signal the last step agreed on
  fs::path out_dir_;
  std::optional<RunDirectoryLock> lock_;
  std::optional<CheckpointSeries> series_;
  TrainOptions options_;
  StopSignals signals_;
  Progress bar_;
  std::optional<MetricsLog> metrics_;
  TrainingProgress progress_;
  double elapsed_before_ = 0;
  std::optional<fs::path> last_saved_;
  int64_t last_saved_step_ = -1;
  TrainSummary summary_;
};

// Runs `load`, adding to its error where an older checkpoint is kept, should the latest be damaged.
void with_fallback_hint(const CheckpointSeries& series, const fs::path& latest, const std::function<void()>& load) {
  try {
    load();
  } catch (const Error& e) {
    const auto older = series.newest_other_than(latest);
    if (!older) throw;
    throw Error(std::string(e.what()) + " (an older checkpoint is kept: to resume from it, write '" +
                older->filename().string() + "' into " + (series.dir() / "latest").string() + ")");
  }
}

}  // namespace

TrainSummary train_run(const RunConfig& config, const fs::path& out_dir, const TrainOptions& options) {
  fault::check_environment();
  auto data_parallel = join_data_parallel(options);
  if (!data_parallel || data_parallel->leader()) check_new_run_directory(out_dir);
  torch::manual_seed(static_cast<uint64_t>(config.seed) * 1000003 + kStreamInit);
  LanguageModel model(config.model);
  // Everything that can refuse the config, before any file:
  Trainer trainer(config, model, options, std::move(data_parallel));
  trainer.start_fresh(out_dir);
  return trainer.run();
}

TrainSummary train_run(const RunConfig& config, const fs::path& out_dir, bool show_progress) {
  TrainOptions options;
  options.show_progress = show_progress;
  return train_run(config, out_dir, options);
}

TrainSummary resume_run(const fs::path& run_dir, const TrainOptions& options) {
  fault::check_environment();
  auto data_parallel = join_data_parallel(options);
  require(fs::is_directory(run_dir), run_dir.string() + ": not a run directory");
  std::optional<RunDirectoryLock> lock;  // first: a process still training there changes the files
  if (!data_parallel || data_parallel->leader()) lock.emplace(run_dir);
  const CheckpointSeries series(run_dir);
  const auto latest = series.latest();
  if (!latest) {
    require(!fs::exists(run_dir / "config.json"), run_dir.string() + ": this run has finished; nothing to resume");
    require(RunDirectory(run_dir).state() != RunDirectoryState::unstarted,
            run_dir.string() + ": the run stopped before its first checkpoint: nothing to resume; start it again "
                               "with freelunch train --config … --out " + run_dir.string() +
                               " (a new run reuses this directory)");
    throw Error(run_dir.string() + ": no checkpoint to resume from (" + (series.dir() / "latest").string() +
                " is missing: not a run of `freelunch train`)");
  }
  LoadedCheckpoint loaded;
  with_fallback_hint(series, *latest, [&] { loaded = load_checkpoint(*latest); });
  Trainer trainer(loaded.config, loaded.model, options, std::move(data_parallel));
  with_fallback_hint(series, *latest, [&] { trainer.restore(run_dir, std::move(lock), *latest, loaded.manifest); });
  return trainer.run();
}

}  // namespace fl
