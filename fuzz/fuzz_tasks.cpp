// libFuzzer target: every task's parameter checks, generator and verifier.
//   1. Parameters: each "task.*" key gets a small value near its lower bound (one below it
//      included) as --set text, so impossible combinations (LIS n ≥ value_span, n-grams that
//      are never unique, too many queries, ...) are tried; they must be fl::Error, never a hang.
//   2. sample_at at a size from default_eval_sizes() or an arbitrary one (fl::Error if outside).
//   3. The example is well formed, and its verifier accepts the expected continuation.
//   4. The verifier gets a fuzzed continuation (arbitrary ids, or the expected one edited);
//      `whole` must hold exactly when it equals the expected continuation, and imply `answer`.
//   5. The vocabulary parses arbitrary prompt text (fl::Error for unknown tokens) and renders
//      arbitrary ids.
// FUZZ_TASK=<name> fixes the task (scripts/fuzz.sh runs one task at a time); otherwise the first
// byte picks it. The dataset task reads a small fixed JSONL file written at start-up.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "tasks/task.h"
#include "temp_file.h"

namespace {

constexpr int64_t kSpan = 40;  // parameters are drawn from [min - 1, min + kSpan]

std::string dataset_path;
std::string fixed_task;

void write_dataset() {
  dataset_path = fl::fuzz::temp_path("tasks.jsonl");
  const char* lines[] = {"a b c", "c b a", "b c", "c b", "a a", "a a", "c a b", "b a c", "c c", "c c",
                         "a b", "b a", "a", "b", "b b c", "c", "a c", "c a", "b", "a b"};
  std::string text;
  for (size_t i = 0; i + 1 < std::size(lines); i += 2)
    text += std::string("{\"input\": \"") + lines[i] + "\", \"target\": \"" + lines[i + 1] + "\"}\n";
  fl::fuzz::write_text(dataset_path, text);
}

fl::ParamValues fuzzed_params(FuzzedDataProvider& in, const std::string& name) {
  const auto specs = fl::task_param_specs(name);
  fl::RawConfig raw{"fuzz", {}, {}};
  for (const auto& s : specs) {
    std::string text;
    if (s.key == "task.path") {
      text = dataset_path;
    } else if (s.key == "task.vocab_file") {
      text = "";
    } else if (s.kind == fl::Kind::Int) {
      const auto lo = static_cast<int64_t>(s.min.value_or(0));
      const int64_t hi = s.max ? std::min<int64_t>(static_cast<int64_t>(*s.max), lo + kSpan) : lo + kSpan;
      text = std::to_string(in.ConsumeIntegralInRange<int64_t>(lo - 1, hi));
    } else if (s.kind == fl::Kind::Float) {
      text = std::to_string(in.ConsumeFloatingPointInRange<double>(s.min.value_or(0), s.max.value_or(1)));
    } else if (s.kind == fl::Kind::String && !s.choices.empty()) {
      text = s.choices[in.ConsumeIntegralInRange<size_t>(0, s.choices.size() - 1)];
    } else {
      continue;  // no other kinds among task parameters
    }
    raw.apply_override(s.key + "=" + text);
  }
  return fl::resolve(raw, specs);
}

std::vector<int32_t> fuzzed_continuation(FuzzedDataProvider& in, const std::vector<int32_t>& expected,
                                         int64_t vocab) {
  const auto token = [&] { return in.ConsumeIntegralInRange<int32_t>(-1, static_cast<int32_t>(vocab)); };
  std::vector<int32_t> out;
  if (in.ConsumeBool()) {  // arbitrary ids
    const size_t n = in.ConsumeIntegralInRange<size_t>(0, 2 * expected.size() + 4);
    for (size_t i = 0; i < n; ++i) out.push_back(token());
    return out;
  }
  out = expected;  // a few edits of the right answer
  for (int edits = in.ConsumeIntegralInRange<int>(0, 3); edits > 0; --edits) {
    const size_t at = in.ConsumeIntegralInRange<size_t>(0, out.size());
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: if (at < out.size()) out[at] = token(); break;
      case 1: out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), token()); break;
      case 2: if (at < out.size()) out.erase(out.begin() + static_cast<std::ptrdiff_t>(at)); break;
      default: out.resize(at); break;
    }
  }
  return out;
}

void check_example(const fl::Task& task, const fl::Example& ex) {
  const size_t n = ex.tokens.size();
  if (ex.loss_mask.size() != n || ex.answer_mask.size() != n) __builtin_trap();
  if (ex.prompt_len < 1 || ex.prompt_len >= static_cast<int64_t>(n)) __builtin_trap();
  if (ex.tokens.back() != task.eos_id()) __builtin_trap();
  for (int32_t t : ex.tokens)
    if (t < 0 || t >= task.vocab().size()) __builtin_trap();
  const fl::Verdict right = task.verify(ex, task.expected_output(ex));
  if (!right.answer || !right.whole) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_dataset();
  if (const char* name = std::getenv("FUZZ_TASK")) fixed_task = name;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const auto names = fl::task_names();
  const std::string name =
      fixed_task.empty() ? names[in.ConsumeIntegralInRange<size_t>(0, names.size() - 1)] : fixed_task;
  std::unique_ptr<fl::Task> task;
  fl::Example ex;
  fl::Rng rng(in.ConsumeIntegral<uint32_t>(), 7);
  try {
    task = fl::make_task(name, fuzzed_params(in, name));
    const auto sizes = task->default_eval_sizes();
    if (sizes.empty()) __builtin_trap();
    const int64_t size = in.ConsumeBool() ? sizes[in.ConsumeIntegralInRange<size_t>(0, sizes.size() - 1)]
                                          : in.ConsumeIntegralInRange<int64_t>(-2, 2 * kSpan);
    ex = task->sample_at(rng, size);
  } catch (const fl::Error&) {
    return 0;
  }
  check_example(*task, ex);

  const auto expected = task->expected_output(ex);
  const auto generated = fuzzed_continuation(in, expected, task->vocab().size());
  const fl::Verdict v = task->verify(ex, generated);
  if (v.whole != (generated == expected) || (v.whole && !v.answer)) __builtin_trap();

  (void)task->vocab().render(generated);
  try {
    for (int32_t id : task->vocab().parse(in.ConsumeRemainingBytesAsString()))
      if (id < 0 || id >= task->vocab().size()) __builtin_trap();
  } catch (const fl::Error&) {
  }
  return 0;
}
