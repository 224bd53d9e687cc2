#include "experiments/sweep_runner.h"

#include <signal.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <ATen/Parallel.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/timing.h"
#include "experiments/results_store.h"
#include "train/run_directory.h"
#include "train/stop_signal.h"
#include "train/trainer.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

using StoreOpener = std::function<std::unique_ptr<SweepStore>()>;

// Refreshes the heartbeat of a claimed cell from a background thread with its own connection,
// so that a holder on another host can tell a long cell from a dead worker.
class Heartbeat {
 public:
  Heartbeat(StoreOpener open, Claim claim, WorkerId me, double interval_seconds)
      : open_(std::move(open)), claim_(std::move(claim)), me_(std::move(me)),
        interval_(std::chrono::duration<double>(interval_seconds)), thread_([this] { loop(); }) {}
  ~Heartbeat() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void loop() {
    std::unique_ptr<SweepStore> store;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
      lock.unlock();
      try {
        if (!store) store = open_();
        store->heartbeat(claim_, me_, unix_now());
      } catch (const std::exception&) {
        store.reset();
        // Best effort: a missed beat only matters to holders on other hosts, after the lease.
      }
      lock.lock();
    }
  }

  const StoreOpener open_;
  const Claim claim_;
  const WorkerId me_;
  const std::chrono::duration<double> interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// Continues an interrupted attempt from its checkpoint (the same numbers as an uninterrupted
// run), or trains the cell from scratch when there is none to continue.
TrainSummary train_or_resume(const Claim& claim, const fs::path& out) {
  TrainOptions quiet;
  quiet.show_progress = false;
  if (fs::exists(out / "checkpoints")) {
    try {
      return resume_run(out, quiet);
    } catch (const TrainingInterrupted&) {
      throw;
    } catch (const Error&) {  // a checkpoint the kill left unusable: start over
    }
  }
  std::error_code ec;
  fs::remove_all(out, ec);
  require(!ec, out.string() + ": cannot clear the cell directory: " + ec.message());
  return train_run(RunConfig::from_raw(cell_raw_config(claim.config, claim.hash)), out, quiet);
}

// Trains one claimed cell into its directory; any exception but an interruption fails the cell.
CellResult train_cell(const Claim& claim, const fs::path& out) {
  const auto start = std::chrono::steady_clock::now();
  const auto summary = train_or_resume(claim, out);
  const auto overall = summary.eval.overall();
  CellResult r;
  r.metrics = summary.to_json();  // as the run's summary.json holds it
  r.metrics["eval_curve"] = to_json(RunDirectory(out).eval_curve());
  r.final_loss = summary.final_loss;
  r.accuracy = overall.tf.whole;
  r.accuracy_gen = overall.generated ? overall.gen.whole : -1;
  r.tokens_per_s = summary.tokens_per_second;
  r.train_seconds = summary.train_seconds;
  r.parameters = summary.parameters;
  r.state_bytes = summary.state_bytes_per_token;
  r.threads = at::get_num_threads();
  r.wall_seconds = seconds_since(start);
  return r;
}

struct Counts {
  int64_t done = 0, failed = 0, running = 0, queued = 0;
  int64_t finished() const { return done + failed; }
};

Counts count(const std::map<std::string, CellStatus>& statuses, const SweepSpec& spec) {
  Counts c;
  for (const auto& cell : spec.cells) {
    auto it = statuses.find(cell.hash);
    switch (it == statuses.end() ? CellStatus::kQueued : it->second) {
      case CellStatus::kDone: ++c.done; break;
      case CellStatus::kFailed: ++c.failed; break;
      case CellStatus::kRunning: ++c.running; break;
      case CellStatus::kQueued: ++c.queued; break;
    }
  }
  return c;
}

std::string counts_status(const Counts& c) {
  return std::to_string(c.running) + " running, " + std::to_string(c.failed) + " failed";
}

// The worker loop, reporting to `progress` when given. Claims no further cell once a stop
// signal has arrived (a signal during a cell's last step or final evaluation lets that cell
// finish); a signal during training stops the cell at a checkpoint (TrainingInterrupted), the
// cell staying 'running' under this soon dead process, so the next claim resumes it.
int64_t work(const SweepSpec& spec, const SweepOptions& options, SweepStore& store, Progress* progress,
             const StopSignals& signals) {
  const auto allowed = spec.hashes();
  const auto keys = spec.varied_keys();
  const auto me = WorkerId::self();
  int64_t ran = 0;
  while (!signals.received()) {
    const auto claim = store.claim_next(allowed, me, unix_now(), options.lease_seconds);
    if (!claim) break;
    if (progress) progress->update(count(store.statuses(), spec).finished(), describe_cell(claim->config, keys));
    std::optional<CellResult> result;
    std::string error;
    {
      Heartbeat heartbeat([&] { return open_sweep_store(spec, options, SweepStore::Open::kExisting); }, *claim, me,
                          options.heartbeat_seconds);
      try {
        result = train_cell(*claim, cell_dir(options.dir, claim->hash));
      } catch (const TrainingInterrupted&) {
        throw;
      } catch (const std::exception& e) {
        error = first_line(e.what());
      }
    }
    if (result) store.finish_done(*claim, me, *result, unix_now());
    else store.finish_failed(*claim, me, error, unix_now());
    ++ran;
  }
  return ran;
}

// Starts one worker process; it is killed if this process dies (no orphan keeps training).
pid_t spawn_worker(const std::vector<std::string>& command) {
  require(!command.empty(), "sweep: no worker command for --workers > 1");
  std::vector<char*> argv;
  for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  require(pid >= 0, std::string("cannot start a sweep worker: ") + std::strerror(errno));
  if (pid == 0) {  // the child: async-signal-safe calls only until exec
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    setpgid(0, 0);  // its own process group: a terminal's Ctrl-C reaches the coordinator only
    execv(argv[0], argv.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so no signal is forwarded before the group exists (the loser fails harmlessly)
  return pid;
}

// Starts the workers and watches them and the queue until all have exited. The workers run in
// process groups of their own, so a stop signal (Ctrl-C, a `kill`, a job scheduler) reaches
// them once, from here: forwarded, each stops its cell at a checkpoint and dies of it. Returns
// the stop signal, if one arrived here or stopped a worker, else 0.
int supervise(const SweepSpec& spec, const SweepOptions& options, int64_t workers, SweepStore& store,
              Progress& progress, const StopSignals& signals) {
  std::vector<pid_t> children;
  for (int64_t i = 0; i < workers; ++i) children.push_back(spawn_worker(options.worker_command));
  int stop = 0;
  while (!children.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (signals.received() && stop == 0) {
      stop = signals.received();
      for (const pid_t child : children) kill(child, stop);
    }
    for (auto it = children.begin(); it != children.end();) {
      int status = 0;
      if (waitpid(*it, &status, WNOHANG) != *it) {
        ++it;
        continue;
      }
      if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM)) {
        if (stop == 0) stop = WTERMSIG(status);
      } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "freelunch: warning: sweep worker %d %s %d\n", static_cast<int>(*it),
                     WIFEXITED(status) ? "exited with code" : "was killed by signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
      }
      it = children.erase(it);
    }
    const auto c = count(store.statuses(), spec);
    progress.update(c.finished(), stop == 0 ? counts_status(c)
                                            : "stopping: " + std::to_string(children.size()) + " workers left");
  }
  return stop;
}

}  // namespace

fs::path results_file(const fs::path& sweep_dir) { return sweep_dir / ResultsStore::kFileName; }
fs::path results_file(const SweepOptions& options) {
  return options.database.empty() ? results_file(options.dir) : options.database;
}
fs::path cell_dir(const fs::path& sweep_dir, const std::string& hash) { return sweep_dir / "cells" / hash; }

std::unique_ptr<SweepStore> open_sweep_store(const SweepSpec& spec, const SweepOptions& options,
                                             SweepStore::Open mode) {
  return open_sweep_store(options.store.empty() ? results_file(options).parent_path().string() : options.store,
                          options.store_name.empty() ? spec.name : options.store_name, mode);
}

std::string SweepSummary::line(const std::string& name) const {
  std::string s = "sweep " + name + ": " + std::to_string(cells) + " cells: " + std::to_string(done) + " done, " +
                  std::to_string(skipped) + " skipped (done before), " + std::to_string(failed) + " failed";
  if (unfinished > 0) s += ", " + std::to_string(unfinished) + " unfinished (held by another process, or rerun)";
  return s;
}

int64_t run_sweep_worker(const SweepSpec& spec, const SweepOptions& options) {
  StopSignals signals;
  const auto store = open_sweep_store(spec, options, SweepStore::Open::kExisting);
  const int64_t ran = work(spec, options, *store, nullptr, signals);
  if (const int signal = signals.received())
    throw TrainingInterrupted(signal, "sweep worker stopped by " + signal_name(signal) + " between cells");
  return ran;
}

SweepSummary run_sweep(const SweepSpec& spec, const SweepOptions& options) {
  require(options.workers >= 1, "--workers must be ≥ 1, got " + std::to_string(options.workers));
  for (const fs::path& dir : {options.dir, results_file(options).parent_path()}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    require(!ec, dir.string() + ": cannot create the sweep directory: " + ec.message());
  }
  const auto opened = open_sweep_store(spec, options, SweepStore::Open::kCreate);
  SweepStore& store = *opened;
  store.enqueue(spec.cells, /*requeue_failed=*/true);
  const auto before = count(store.statuses(), spec);

  Progress progress("sweep " + spec.name, static_cast<int64_t>(spec.cells.size()), options.progress);
  progress.update(before.finished(), counts_status(before));
  const int64_t to_run = static_cast<int64_t>(spec.cells.size()) - before.done;
  StopSignals signals;
  int stop = 0;
  try {
    if (options.workers == 1) work(spec, options, store, &progress, signals);
    else if (to_run > 0) stop = supervise(spec, options, std::min<int64_t>(options.workers, to_run), store, progress, signals);
  } catch (const TrainingInterrupted& e) {
    stop = e.signal();
  }
  if (stop == 0) stop = signals.received();

  const auto after = count(store.statuses(), spec);
  if (stop != 0) {
    progress.finish("interrupted");
    throw TrainingInterrupted(stop, "sweep " + spec.name + " interrupted by " + signal_name(stop) + ": " +
                                        std::to_string(after.done) + " of " + std::to_string(spec.cells.size()) +
                                        " cells done, " + std::to_string(after.running + after.queued) +
                                        " to go (interrupted cells keep their checkpoints); rerun the same command "
                                        "to continue");
  }
  SweepSummary summary;
  summary.cells = static_cast<int64_t>(spec.cells.size());
  summary.skipped = before.done;
  summary.done = after.done - before.done;
  summary.failed = after.failed;
  summary.unfinished = after.running + after.queued;
  const auto keys = spec.varied_keys();
  const auto in_spec = spec.hashes();
  for (const auto& row : store.rows())
    if (row.status == CellStatus::kFailed && in_spec.count(row.hash))
      summary.failures.push_back(row.hash + " " + describe_cell(row.config, keys) + ": " + row.error);
  progress.finish(std::to_string(after.done) + " done, " + std::to_string(after.failed) + " failed");
  return summary;
}

}  // namespace fl
