// The task interface: a generator of token sequences with loss masks, a verifier that decides
// whether a model's own output is right, and a size parameter for accuracy breakdowns.
// Torch-free; a task never knows a model.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/rng.h"
#include "tasks/vocab.h"

namespace fl {

// One sequence of a task. After the prompt, every position is either a target (loss_mask 1:
// the model must produce it) or an input the environment supplies (loss_mask 0, e.g. the
// queries of a lookup or the inputs of an interleaved CoT).
struct Example {
  std::vector<int32_t> tokens;       // the whole sequence, BOS … EOS
  std::vector<uint8_t> loss_mask;    // per position t: 1 = tokens[t] is a target (predicted from tokens[<t])
  std::vector<uint8_t> answer_mask;  // per position t: 1 = tokens[t] belongs to the final answer (a subset of targets)
  int64_t prompt_len = 0;            // tokens[0, prompt_len) is the prompt given at generation time
  int64_t size = 0;                  // the task's size parameter of this example (copy: |x|)

  // True when every position after the prompt is a target: the model writes the whole rest
  // (free generation until EOS). Otherwise the environment interleaves inputs at fixed positions.
  bool free_form() const;
  // About the memory a stored example takes (its vectors, the key a set of examples indexes it
  // by, container overhead), for up-front estimates of evaluation and fixed training sets.
  double memory_bytes() const;
};

// A verifier's judgement of one generated continuation.
struct Verdict {
  bool answer = false;  // the final answer is right (parsed from the output)
  bool whole = false;   // the whole continuation (chain of thought included) is right
};

class Task {
 public:
  virtual ~Task() = default;
  virtual std::string name() const = 0;
  virtual const Vocab& vocab() const = 0;
  virtual int32_t pad_id() const = 0;
  virtual int32_t eos_id() const = 0;
  virtual std::string size_name() const = 0;              // e.g. "length"
  virtual std::vector<int64_t> default_eval_sizes() const = 0;
  virtual Example sample(Rng& rng) const = 0;             // training distribution
  virtual Example sample_at(Rng& rng, int64_t size) const = 0;  // one example of the given size
  // The most tokens an example of sample() can have: exact (some training example has this many),
  // so a config checked against it (train.pack_len, learned positions) is never refused wrongly.
  virtual int64_t longest_example() const = 0;
  // Judges `generated`: the continuation after the prompt as produced at evaluation (the
  // model's tokens, EOS included if it produced one, with the environment's inputs in place for
  // non-free-form examples). Parses the output; never trusts it.
  virtual Verdict verify(const Example& example, const std::vector<int32_t>& generated) const = 0;
  virtual std::string describe() const = 0;
  // True when sample() can never produce an evaluation example (a data file split in two), so
  // the evaluation set need not leave room for training (see EvalSet).
  virtual bool disjoint_splits() const { return false; }
  // True when the examples come from the user's files (task.path): a checkpoint then records the
  // vocabulary (vocab.json), which restore_task uses when the files have moved.
  virtual bool reads_files() const { return false; }

  // The expected continuation after the prompt (targets through EOS).
  std::vector<int32_t> expected_output(const Example& example) const {
    return {example.tokens.begin() + example.prompt_len, example.tokens.end()};
  }
};

// Registry: tasks by name, each with its own "task.*" parameter specs.
std::vector<std::string> task_names();
std::vector<ParamSpec> task_param_specs(const std::string& name);  // fl::Error for unknown names
std::unique_ptr<Task> make_task(const std::string& name, const ParamValues& params);
// The task of a checkpoint that recorded `names` as its vocabulary: as make_task, but a task
// whose files are gone is built from the names alone (it names the missing file when asked for
// examples), and fl::Error if the task's vocabulary is no longer `names` (its files changed).
std::unique_ptr<Task> restore_task(const std::string& name, const ParamValues& params,
                                   const std::vector<std::string>& names);

}  // namespace fl
