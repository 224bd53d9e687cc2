// Resume: a run stopped at any step and continued gives exactly the uninterrupted run's
// metrics, weights and evaluation; damaged checkpoints are named, never loaded; a loss that
// stops being finite ends training and leaves the last checkpoint as it was.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <limits>
#include <map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/safetensors.h"
#include "engine/engine_mode.h"
#include "support/fixtures.h"
#include "train/checkpoint.h"
#include "train/resume_support.h"
#include "train/run_lock.h"
#include "train/trainer.h"

namespace fl {
namespace {

namespace fs = std::filesystem;
using test_support::config_from_json;
using test_support::deterministic_metrics;
using test_support::latest_checkpoint_step;
using test_support::TempDir;

// Mamba on fresh packed samples; Transformer on a fixed set of 10 examples in reshuffled epochs
// with generation at evaluation. log_every 3 and checkpoint_every 4 leave logging intervals
// open at checkpoints; eval_every 5 puts evaluations in the middle.
const char* kMamba = R"({"seed": 3, "model": {"type": "mamba", "d_model": 8, "n_layer": 2, "d_state": 4},
    "task": {"max_len": 6},
    "train": {"steps": 14, "batch_size": 4, "pack_len": 24, "warmup": 2, "log_every": 3, "eval_every": 5,
              "checkpoint_every": 4},
    "eval": {"samples": 2, "generate": false}})";
const char* kTransformer = R"({"seed": 3, "model": {"type": "transformer", "d_model": 8, "n_layer": 1},
    "task": {"max_len": 6},
    "train": {"steps": 14, "batch_size": 4, "samples": 10, "warmup": 2, "log_every": 3, "eval_every": 5,
              "checkpoint_every": 4},
    "eval": {"samples": 2, "generate": true}})";

TrainOptions quiet(int64_t stop_at = 0) {
  TrainOptions options;
  options.show_progress = false;
  options.stop_at = stop_at;
  return options;
}

void expect_error_containing(const std::function<void()>& f, const std::vector<std::string>& phrases) {
  try {
    f();
    ADD_FAILURE() << "expected an fl::Error";
  } catch (const Error& e) {
    for (const auto& phrase : phrases) EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
  }
}

void expect_same_weights(const fs::path& a, const fs::path& b) {
  auto wa = load_checkpoint(a).model->named_weights(), wb = load_checkpoint(b).model->named_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_TRUE(torch::equal(wa[i].second, wb[i].second)) << wa[i].first;
}

// One uninterrupted run per config and engine, shared by the tests; every run of a test on the
// engine of its parameter.
class Resume : public testing::TestWithParam<std::tuple<const char*, engine::Mode>> {
 protected:
  RunConfig config() const { return config_from_json(std::get<0>(GetParam())); }
  fs::path ref() const {
    static std::map<std::pair<std::string, engine::Mode>, std::unique_ptr<TempDir>> dirs;  // removed at exit
    auto& dir = dirs[{std::get<0>(GetParam()), std::get<1>(GetParam())}];
    if (!dir) {
      dir = std::make_unique<TempDir>();
      train_run(config(), *dir / "run", quiet());
    }
    return *dir / "run";
  }
  engine::ModeGuard engine_{std::get<1>(GetParam())};
  TempDir dir_;
  fs::path run_ = dir_ / "run";
};

TEST_P(Resume, StoppedTwiceThenResumedEqualsUninterrupted) {
  const auto first = train_run(config(), run_, quiet(7));
  EXPECT_FALSE(first.finished);
  EXPECT_EQ(first.steps_done, 7);
  EXPECT_EQ(latest_checkpoint_step(run_), 7);
  EXPECT_FALSE(fs::exists(run_ / "config.json"));  // not a finished checkpoint yet
  const auto second = resume_run(run_, quiet(10));
  EXPECT_EQ(second.steps_done, 10);
  const auto last = resume_run(run_, quiet());
  EXPECT_TRUE(last.finished);
  EXPECT_EQ(last.steps_done, 14);

  const auto expected = deterministic_metrics(ref() / "metrics.jsonl");
  EXPECT_EQ(expected.size(), 8u);  // losses at steps 3, 6, 9, 12, 14; evaluations at 5, 10, 14
  EXPECT_EQ(deterministic_metrics(run_ / "metrics.jsonl"), expected);
  expect_same_weights(ref(), run_);
  EXPECT_EQ(Json::parse(read_file(run_ / "summary.json"))["eval"], Json::parse(read_file(ref() / "summary.json"))["eval"]);
  EXPECT_EQ(Json::parse(read_file(run_ / "summary.json"))["final_loss"],
            Json::parse(read_file(ref() / "summary.json"))["final_loss"]);
  EXPECT_FALSE(fs::exists(run_ / "checkpoints"));  // removed once the final checkpoint is written
  expect_error_containing([&] { resume_run(run_, quiet()); }, {"has finished"});
}

// A killed process leaves metrics lines after its last checkpoint; resuming cuts them off.
TEST_P(Resume, LinesAfterTheCheckpointAreCutOff) {
  train_run(config(), run_, quiet(8));
  const auto before = read_file(run_ / "metrics.jsonl");
  write_file_atomic(run_ / "metrics.jsonl", before + "{\"step\":9,\"loss\":1.5}\n{\"step\":10,\"lo");
  resume_run(run_, quiet());
  EXPECT_EQ(deterministic_metrics(run_ / "metrics.jsonl"), deterministic_metrics(ref() / "metrics.jsonl"));
}

// The latest checkpoint damaged: the error names the file; the older checkpoint kept beside it
// resumes to the same result.
TEST_P(Resume, DamagedLatestCheckpointIsNamedAndTheOlderOneWorks) {
  train_run(config(), run_, quiet(9));  // checkpoints at 8 (periodic) and 9 (stop) remain
  const fs::path latest = run_ / "checkpoints" / "step-00000009";
  const fs::path backup = dir_ / "backup";
  fs::copy(latest, backup, fs::copy_options::recursive);
  for (const char* file : {"model.safetensors", "train_state.safetensors", "progress.json", "config.json"}) {
    SCOPED_TRACE(file);
    test_support::flip_a_bit(latest / file);
    expect_error_containing([&] { resume_run(run_, quiet()); },
                            {(latest / file).string(), "damaged", "write 'step-00000008' into"});
    fs::remove_all(latest);
    fs::copy(backup, latest, fs::copy_options::recursive);
  }
  write_file_atomic(latest / "checkpoint.json", "{\"format\": 1, \"fil");
  expect_error_containing([&] { resume_run(run_, quiet()); }, {"checkpoint.json: not a checkpoint manifest"});

  write_file_atomic(run_ / "checkpoints" / "latest", "step-00000008\n");
  resume_run(run_, quiet());
  EXPECT_EQ(deterministic_metrics(run_ / "metrics.jsonl"), deterministic_metrics(ref() / "metrics.jsonl"));
  expect_same_weights(ref(), run_);
}

// Named "MambaFlat", "TransformerLibtorch", … (the default would print the config's pointer).
INSTANTIATE_TEST_SUITE_P(ModelsAndEngines, Resume,
                         testing::Combine(testing::Values(kMamba, kTransformer),
                                          testing::Values(engine::Mode::kFlat, engine::Mode::kLibtorch)),
                         [](const testing::TestParamInfo<Resume::ParamType>& info) {
                           const std::string model = std::get<0>(info.param) == kMamba ? "Mamba" : "Transformer";
                           return model + (std::get<1>(info.param) == engine::Mode::kFlat ? "Flat" : "Libtorch");
                         });

TEST(ResumeErrors, NothingToResume) {
  TempDir dir;
  expect_error_containing([&] { resume_run(dir / "absent", quiet()); }, {"not a run directory"});
  expect_error_containing([&] { resume_run(dir.path(), quiet()); }, {"no checkpoint to resume from"});
}

// A run directory in use (its lock held, as by a process still training) is refused.
TEST(ResumeErrors, RunInUseByAnotherProcess) {
  TempDir dir;
  const fs::path run = dir / "run";
  train_run(config_from_json(kMamba), run, quiet(2));
  {
    RunDirectoryLock other(run);
    expect_error_containing([&] { resume_run(run, quiet()); }, {"another freelunch process is training"});
  }
  EXPECT_TRUE(resume_run(run, quiet(3)).steps_done == 3);  // free again
}

// NaN weights in a checkpoint (its checksums rewritten to match): the first step's loss is NaN,
// training stops naming that step, and the checkpoint directory is left byte for byte.
TEST(NonFinite, NanLossStopsNamingTheStepAndKeepsTheCheckpoint) {
  TempDir dir;
  const fs::path run = dir / "run";
  train_run(config_from_json(kMamba), run, quiet(6));
  const fs::path ck = run / "checkpoints" / "step-00000006";
  auto model = safetensors::load(ck / "model.safetensors");
  auto& norm = model.tensors.at("backbone.norm_f.weight");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (size_t i = 0; i < norm.bytes.size(); i += sizeof nan) std::memcpy(&norm.bytes[i], &nan, sizeof nan);
  std::vector<CheckpointFile> files;
  for (const char* name : {"model.safetensors", "train_state.safetensors", "progress.json", "config.json"})
    files.push_back({name, std::string(name) == "model.safetensors" ? safetensors::serialize(model) : read_file(ck / name)});
  write_checkpoint_dir(ck, files);
  std::map<std::string, std::string> before;
  for (const auto& entry : fs::directory_iterator(run / "checkpoints"))
    if (entry.is_directory())
      for (const auto& f : fs::directory_iterator(entry.path())) before[f.path().string()] = read_file(f.path());

  expect_error_containing([&] { resume_run(run, quiet()); },
                          {"the training loss became", "at step 7 ", "last good checkpoint is " + ck.string()});

  std::map<std::string, std::string> after;
  for (const auto& entry : fs::directory_iterator(run / "checkpoints"))
    if (entry.is_directory())
      for (const auto& f : fs::directory_iterator(entry.path())) after[f.path().string()] = read_file(f.path());
  EXPECT_EQ(after, before);
  EXPECT_EQ(latest_checkpoint_step(run), 6);
}

// Checkpoint files carry checksums: a flipped bit or a truncation is an error naming the file;
// a directory from before manifests (no checkpoint.json) still loads.
TEST(CheckpointIntegrity, DamageIsDetectedAndOldDirectoriesLoad) {
  TempDir dir;
  const auto config = config_from_json(kMamba);
  LanguageModel model(config.model);
  save_checkpoint(dir.path(), model, config);
  const std::string weights = read_file(dir / "model.safetensors");

  test_support::flip_a_bit(dir / "model.safetensors");
  expect_error_containing([&] { load_checkpoint(dir.path()); }, {(dir / "model.safetensors").string(), "damaged: checksum"});
  write_file_atomic(dir / "model.safetensors", weights.substr(0, weights.size() - 4));
  expect_error_containing([&] { load_checkpoint(dir.path()); }, {"model.safetensors: damaged: " + std::to_string(weights.size() - 4) + " bytes"});
  write_file_atomic(dir / "model.safetensors", weights);
  test_support::flip_a_bit(dir / "config.json");
  expect_error_containing([&] { load_checkpoint(dir.path()); }, {(dir / "config.json").string(), "damaged"});

  save_checkpoint(dir.path(), model, config);
  fs::remove(dir / kManifestName);
  const auto loaded = load_checkpoint(dir.path());
  EXPECT_TRUE(loaded.manifest.is_null());
  EXPECT_TRUE(torch::equal(loaded.model->named_weights()[0].second, model->named_weights()[0].second));
}

}  // namespace
}  // namespace fl
