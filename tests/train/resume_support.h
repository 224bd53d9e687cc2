// Helpers for the resume, determinism and training tests: what metrics.jsonl logs and
// where a run directory's checkpoints stand.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fl::test_support {

// metrics.jsonl's lines without the wall-clock fields (tokens_per_s, elapsed_s), re-serialised:
// what must be bit-identical between runs of one seed and thread count.
std::vector<std::string> deterministic_metrics(const std::filesystem::path& metrics_jsonl);

// The training loss of every logged step of metrics.jsonl, in order (evaluation lines skipped).
std::vector<double> logged_losses(const std::filesystem::path& metrics_jsonl);

// The step of the checkpoint <run>/checkpoints/latest names; -1 if there is none.
int64_t latest_checkpoint_step(const std::filesystem::path& run_dir);

// Flips one bit in the middle of `file`, in place (a damaged sector).
void flip_a_bit(const std::filesystem::path& file);

}  // namespace fl::test_support
