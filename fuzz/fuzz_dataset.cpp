// libFuzzer target: the dataset task's JSONL reader (task.path) and vocabulary file
// (task.vocab_file). An input holding a line "----" is a vocabulary file (before it) plus a
// JSONL file (after it); otherwise it is the JSONL file alone. Each must load or throw
// fl::Error; a loaded task must then sample, verify and describe itself without failing.
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "temp_file.h"
#include "tasks/dataset_file.h"

using fl::fuzz::temp_path;
using fl::fuzz::write_text;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string data_path = temp_path("data.jsonl"), vocab_path = temp_path("vocab.txt");
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string marker = "\n----\n";
  const size_t split = input.find(marker);
  std::string vocab_file;
  if (split == std::string::npos) {
    write_text(data_path, input);
  } else {
    write_text(vocab_path, input.substr(0, split + 1));
    write_text(data_path, input.substr(split + marker.size()));
    vocab_file = vocab_path;
  }
  try {
    const fl::DatasetTask task(data_path, vocab_file, 0.5);
    fl::Rng rng(1, 2);
    const fl::Example train = task.sample(rng);
    for (int64_t len : task.default_eval_sizes()) {
      const fl::Example ex = task.sample_at(rng, len);
      if (!task.verify(ex, task.expected_output(ex)).whole) __builtin_trap();
      if (task.verify(ex, {}).answer) __builtin_trap();
    }
    if (!task.verify(train, task.expected_output(train)).whole) __builtin_trap();
    (void)task.describe();
  } catch (const fl::Error&) {
  }
  return 0;
}
