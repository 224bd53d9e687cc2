#include "train/trainer.h"

#include <cmath>
#include <cstdio>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "train/batch.h"
#include "train/checkpoint.h"
#include "train/data_source.h"
#include "train/metrics.h"
#include "train/optimizer.h"
#include "train/schedule.h"

namespace fl {

namespace fs = std::filesystem;

namespace {

void prepare_out_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir)) {
    require(fs::is_directory(dir), dir.string() + ": exists and is not a directory");
    require(fs::is_empty(dir), dir.string() + ": output directory is not empty (choose another --out)");
  }
  fs::create_directories(dir, ec);
  require(!ec, dir.string() + ": cannot create directory: " + ec.message());
}

std::string eval_status(const EvalReport& report) {
  const auto all = report.overall();
  char buf[96];
  std::snprintf(buf, sizeof buf, "eval accuracy %.3f (teacher-forced)", all.tf.whole);
  std::string s = buf;
  if (all.generated) std::snprintf(buf, sizeof buf, ", %.3f (generated)", all.gen.whole), s += buf;
  return s;
}

}  // namespace

TrainSummary train_run(const RunConfig& config, const fs::path& out_dir, bool show_progress) {
  const auto& t = config.train;
  auto task = config.make_task();
  const auto sizes = config.eval.sizes.empty() ? task->default_eval_sizes() : config.eval.sizes;
  const EvalSet eval_set(*task, sizes, config.eval.samples, config.seed);
  DataSource data(*task, eval_set, t.samples, config.seed);

  torch::manual_seed(static_cast<uint64_t>(config.seed) * 1000003 + kStreamInit);
  LanguageModel model(config.model);
  model->train();
  auto optimizer = make_optimizer(model, t);

  prepare_out_dir(out_dir);
  MetricsLog metrics(out_dir / "metrics.jsonl");
  TrainSummary summary;
  summary.parameters = model->num_parameters();

  Progress progress(config.model.type + " d" + std::to_string(config.model.d_model) + "×" +
                        std::to_string(config.model.n_layer), t.steps, show_progress);
  double loss_sum = 0, seconds = 0;
  int64_t loss_count = 0, tokens = 0, interval_tokens = 0;
  double interval_seconds = 0;
  auto run_eval = [&](int64_t step) {
    auto report = evaluate(model, *task, eval_set, config.eval.generate, config.eval.batch_size);
    metrics.write({{"step", step}, {"eval", report.to_json()}});
    return report;
  };

  for (int64_t step = 0; step < t.steps; ++step) {
    const auto t0 = std::chrono::steady_clock::now();
    const double lr = learning_rate(step, t.steps, t.warmup, t.lr, t.min_lr_ratio);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);

    Batch batch = make_batch(data.next_batch(t.batch_size, t.pack_len), task->pad_id());
    optimizer.zero_grad();
    auto loss = masked_cross_entropy(model->forward(batch.inputs), batch);
    const double loss_value = loss.item<double>();
    require(std::isfinite(loss_value), "training loss became " + std::to_string(loss_value) + " at step " +
                                           std::to_string(step) + " (lower train.lr?)");
    loss.backward();
    if (t.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), t.grad_clip);
    optimizer.step();

    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    seconds += dt, interval_seconds += dt;
    tokens += batch.tokens, interval_tokens += batch.tokens;
    loss_sum += loss_value, ++loss_count;

    const bool last = step + 1 == t.steps;
    if ((step + 1) % t.log_every == 0 || last) {
      summary.final_loss = loss_sum / static_cast<double>(loss_count);
      metrics.write({{"step", step + 1}, {"loss", summary.final_loss}, {"lr", lr},
                     {"tokens_per_s", static_cast<double>(interval_tokens) / interval_seconds},
                     {"elapsed_s", progress.elapsed_seconds()}});
      loss_sum = 0, loss_count = 0, interval_tokens = 0, interval_seconds = 0;
    }
    if (t.eval_every > 0 && (step + 1) % t.eval_every == 0 && !last) run_eval(step + 1);
    char status[64];
    std::snprintf(status, sizeof status, "loss %.4f", loss_value);
    progress.update(step + 1, status);
  }
  summary.train_seconds = seconds;
  summary.tokens_per_second = static_cast<double>(tokens) / std::max(seconds, 1e-9);
  summary.eval = run_eval(t.steps);
  progress.finish(eval_status(summary.eval));

  save_checkpoint(out_dir, model, config);
  write_file_atomic(out_dir / "summary.json",
                    Json{{"final_loss", summary.final_loss}, {"tokens_per_s", summary.tokens_per_second},
                         {"train_seconds", summary.train_seconds}, {"parameters", summary.parameters},
                         {"state_bytes_per_token", model->state_bytes(1)}, {"threads", at::get_num_threads()},
                         {"eval", summary.eval.to_json()}}
                            .dump(2) + "\n");
  return summary;
}

}  // namespace fl
