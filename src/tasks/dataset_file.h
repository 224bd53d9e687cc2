// DATASET: the user's own examples from a JSONL file (task.path), one per line, either
//   {"input": "3 + 4 =", "target": "7"}     whitespace-separated token names, or
//   {"input": [3, 5, 9], "target": [4, 2]}  token ids (one form per file; other keys ignored).
// Sequence: input tokens, target tokens, "<eos>". Prompt = the input; loss on the target and
// "<eos>"; answer = the target. Size = the target length in tokens.
// Vocabulary: task.vocab_file (one name per line, the n-th line is id n-1; must hold "<pad>" and
// "<eos>"), or built from the file: names → "<pad>" 0, "<eos>" 1, then every name in order of
// first appearance; ids → names "0" … "max_id", then "<pad>" = max_id+1, "<eos>" = max_id+2.
// Split: identical examples are kept once; an example is for evaluation iff
//   u = (splitmix64_finalizer(FNV1a64(key)) >> 11) · 2^-53 < task.eval_fraction,
// key = the token names of input then target joined by single spaces. Equal token sequences
// thus land on the same side: the two splits are disjoint by construction. Evaluation sizes:
// every target length in the evaluation split. Blank lines are skipped; any bad line is an
// fl::Error "<path>:<line>: …" (1-based), read once at construction.
// Restored from a checkpoint whose files are gone (restore), the task holds only the vocabulary
// the checkpoint recorded: enough to parse and print tokens (generate, info); asking it for
// examples (eval, train) is an fl::Error naming the missing file.
#pragma once
#include <map>

#include "tasks/task.h"

namespace fl {

class DatasetTask : public Task {
 public:
  DatasetTask(const std::string& path, const std::string& vocab_file, double eval_fraction);
  static std::vector<ParamSpec> specs();
  static std::unique_ptr<Task> create(const ParamValues& params);
  // create(), or, if task.path or task.vocab_file no longer exists, the task of the vocabulary
  // `names` alone.
  static std::unique_ptr<Task> restore(const ParamValues& params, const std::vector<std::string>& names);

  std::string name() const override { return "dataset"; }
  const Vocab& vocab() const override { return vocab_; }
  int32_t pad_id() const override { return pad_; }
  int32_t eos_id() const override { return eos_; }
  std::string size_name() const override { return "target length"; }
  std::vector<int64_t> default_eval_sizes() const override;  // every target length of the evaluation split
  Example sample(Rng& rng) const override;                      // a uniform training example
  int64_t longest_example() const override;
  Example sample_at(Rng& rng, int64_t target_len) const override;  // a uniform evaluation example
  Verdict verify(const Example& example, const std::vector<int32_t>& generated) const override;
  std::string describe() const override;
  bool disjoint_splits() const override { return true; }
  bool reads_files() const override { return true; }

  // True when the split puts the example with these token names in the evaluation set.
  static bool in_eval_split(const std::string& key, double eval_fraction);

  int64_t train_count() const { return static_cast<int64_t>(train_.size()); }
  int64_t eval_count() const { return static_cast<int64_t>(eval_.size()); }

 private:
  struct Item {  // one example as read from the file, in this task's ids
    std::vector<int32_t> input, target;
  };
  DatasetTask(const std::string& path, const std::string& vocab_file, double eval_fraction,
              std::vector<std::string> names, std::string missing);  // vocabulary only
  void load(const std::string& text);  // fills vocab_, pad_, eos_ and every example, then splits
  Example make(const Item& item) const;
  void require_examples() const;       // fl::Error naming the missing file in vocabulary-only mode

  std::string path_, vocab_file_;
  double eval_fraction_;
  Vocab vocab_{{}};
  int32_t pad_ = 0, eos_ = 1;
  std::vector<Item> train_, eval_;
  std::map<int64_t, std::vector<size_t>> eval_by_len_;  // target length → indices into eval_
  std::string missing_;  // vocabulary-only mode: "<file> (task.path)", the file that is gone; else ""
};

}  // namespace fl
