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

struct Example {
  std::vector<int32_t> tokens;     // the whole sequence, BOS … EOS
  std::vector<uint8_t> loss_mask;  // per position t: 1 = tokens[t] is a target (predicted from tokens[<t])
  int64_t prompt_len = 0;          // tokens[0, prompt_len) is the prompt given at generation time
  int64_t size = 0;                // the task's size parameter of this example (copy: |x|)
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
  // Whether `generated` (the tokens the model produced after the prompt, EOS included if it
  // produced one) answers `example` correctly. Parses the output; never trusts it.
  virtual bool verify(const Example& example, const std::vector<int32_t>& generated) const = 0;
  virtual std::string describe() const = 0;

  // The expected continuation after the prompt (targets through EOS).
  std::vector<int32_t> expected_output(const Example& example) const {
    return {example.tokens.begin() + example.prompt_len, example.tokens.end()};
  }
};

// Registry: tasks by name, each with its own "task.*" parameter specs.
std::vector<std::string> task_names();
std::vector<ParamSpec> task_param_specs(const std::string& name);  // fl::Error for unknown names
std::unique_ptr<Task> make_task(const std::string& name, const ParamValues& params);

}  // namespace fl
