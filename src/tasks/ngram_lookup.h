// N-gram lookup (Jelassi et al. 2024, docs/SOURCES.md §4), registered as "prefix_ngram" and
// "suffix_ngram". A random string x over the first V lowercase letters, |x| uniform in
// [min_len, max_len]; g = an n-gram that occurs exactly once in x; a = the answer_len letters
// that follow g in x.
//   prefix form: "$ g | x | a ."   e.g. (n = 2, answer_len = 1)  $ c a | b c a d c | d .
//   suffix form: "$ x | g a ."     e.g.                          $ b c a d c | c a d .
// Prompt = everything before a; loss and answer on a and the final ".". Size = |x|.
// Tokens as in CopyTask: "*" pad = 0, "$" BOS = 1, "|" separator = 2, "." EOS = 3, letters 4….
// Sampling: x uniform; g uniform among the positions whose n-gram is unique in x and that have
// answer_len letters after them; x is redrawn when there is none (bounded; the constructor
// rejects parameters under which a draw rarely succeeds).
#pragma once
#include "tasks/task.h"

namespace fl {

class NgramLookupTask : public Task {
 public:
  NgramLookupTask(bool prefix_form, int64_t alphabet, int64_t min_len, int64_t max_len, int64_t ngram,
                  int64_t answer_len);
  static std::vector<ParamSpec> specs();
  static std::unique_ptr<Task> create_prefix(const ParamValues& params);
  static std::unique_ptr<Task> create_suffix(const ParamValues& params);

  std::string name() const override { return prefix_form_ ? "prefix_ngram" : "suffix_ngram"; }
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
  // One draw of x (letter indices); returns the start of a unique n-gram, or -1 if x has none.
  int64_t draw(Rng& rng, int64_t length, std::vector<int32_t>& x) const;
  void check_feasible() const;  // fl::Error when draws at some length rarely succeed
  std::string impossible_message(int64_t length) const;

  bool prefix_form_;
  int64_t alphabet_, min_len_, max_len_, ngram_, answer_len_;
  Vocab vocab_;
};

}  // namespace fl
