// COPY (Jelassi et al. 2024, docs/SOURCES.md §4): "$ x | x ." over the first V lowercase letters,
// |x| uniform in [min_len, max_len]. Loss on the copied half and the final ".".
// Tokens: "*" pad = 0, "$" BOS = 1, "|" separator = 2, "." EOS = 3, letters a… = 4….
#pragma once
#include "tasks/task.h"

namespace fl {

class CopyTask : public Task {
 public:
  CopyTask(int64_t alphabet, int64_t min_len, int64_t max_len);
  static std::vector<ParamSpec> specs();
  static std::unique_ptr<Task> create(const ParamValues& params);

  std::string name() const override { return "copy"; }
  const Vocab& vocab() const override { return vocab_; }
  int32_t pad_id() const override { return kPad; }
  int32_t eos_id() const override { return kEos; }
  std::string size_name() const override { return "length"; }
  std::vector<int64_t> default_eval_sizes() const override;
  Example sample(Rng& rng) const override;
  int64_t longest_example() const override;
  Example sample_at(Rng& rng, int64_t length) const override;
  Verdict verify(const Example& example, const std::vector<int32_t>& generated) const override;
  std::string describe() const override;

  static constexpr int32_t kPad = 0, kBos = 1, kSep = 2, kEos = 3, kFirstLetter = 4;

 private:
  int64_t alphabet_, min_len_, max_len_;
  Vocab vocab_;
};

}  // namespace fl
