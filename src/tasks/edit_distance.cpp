#include "tasks/edit_distance.h"

#include <algorithm>

#include "core/error.h"
#include "tasks/feng_format.h"

namespace fl {

namespace {

std::vector<std::string> ed_vocab(int64_t num_range) {
  std::vector<std::string> names = {"<pad>", "<sep>", "<eos>", "|", ","};
  for (char c = 'a'; c <= 'z'; ++c) names.push_back(std::string(1, c));
  for (int64_t k = 0; k < num_range; ++k) names.push_back(std::to_string(k));
  return names;
}

using Letters = std::vector<int32_t>;  // letter indices 0..25

// Feng's get_seq(diff) for str1 length n: returns (shorter, longer).
std::pair<Letters, Letters> draw_pair(Rng& rng, int64_t n, int64_t diff) {
  for (;;) {
    // A random sub-alphabet of 3..10 distinct letters, in random order.
    Letters alphabet(26);
    for (int32_t c = 0; c < 26; ++c) alphabet[c] = c;
    const int64_t using_letters = rng.uniform_int(3, 10);
    for (int64_t i = 0; i < using_letters; ++i) std::swap(alphabet[i], alphabet[rng.uniform_int(i, 25)]);
    alphabet.resize(using_letters);
    auto letter = [&] { return alphabet[rng.uniform_int(0, using_letters - 1)]; };

    Letters str1(n), str2;
    for (auto& c : str1) c = letter();
    if (rng.uniform() < 0.4) {
      str2.resize(rng.uniform_int(n - 3, n + 2));
      for (auto& c : str2) c = letter();
    } else {
      str2 = str1;
      for (int64_t e = 0; e < diff; ++e) {
        const int64_t kind = rng.uniform_int(0, 2), len = static_cast<int64_t>(str2.size());
        if (kind == 0) {
          if (len > 2) str2.erase(str2.begin() + rng.uniform_int(0, len - 1));
        } else if (kind == 1) {
          const int64_t p = rng.uniform_int(0, len - 1);
          str2[p] = letter();
        } else {
          const int64_t p = rng.uniform_int(0, len);
          str2.insert(str2.begin() + p, letter());
        }
      }
    }
    const int64_t len2 = static_cast<int64_t>(str2.size());
    if (str1 == str2 || len2 >= n + 3 || len2 < n - 3) continue;
    if (str1.size() > str2.size()) return {str2, str1};
    return {str1, str2};
  }
}

}  // namespace

EditDistanceTask::EditDistanceTask(int64_t min_n, int64_t n, const std::string& format, int64_t num_range)
    : min_n_(min_n), n_(n), cot_(format == "cot"), num_range_(num_range), vocab_(ed_vocab(num_range)) {
  require(format == "cot" || format == "direct", "task.format = '" + format + "' must be 'cot' or 'direct'");
  require(min_n >= 4, "task.min_n = " + std::to_string(min_n) + " is below 4 (str2 lengths go down to n - 3 ≥ 1)");
  require(min_n <= n, "task.min_n = " + std::to_string(min_n) + " is larger than task.n = " + std::to_string(n));
  require(max_value(n) < num_range,
          "task.n = " + std::to_string(n) + " lets dp values reach 3n + 2 = " + std::to_string(max_value(n)) +
              ", beyond the integer tokens 0.." + std::to_string(num_range - 1) + " of task.num_range = " +
              std::to_string(num_range) + " (lower task.n or raise task.num_range to " +
              std::to_string(max_value(n) + 1) + ")");
}

std::vector<ParamSpec> EditDistanceTask::specs() {
  return {
      {"task.n", Kind::Int, 8, "length n of str1 (the largest size)", 4, 1000},
      {"task.min_n", Kind::Int, 0, "smallest str1 length: sizes uniform in [min_n, n]; 0 = n (Feng)", 0, 1000},
      {"task.format", Kind::String, "cot", "cot: the dp table row by row then the answer; direct: the answer only",
       {}, {}, {"cot", "direct"}},
      {"task.num_range", Kind::Int, 60, "integer tokens 0..num_range-1 (Feng: 60); needs 3n + 2 < num_range", 1, 10000},
  };
}

std::unique_ptr<Task> EditDistanceTask::create(const ParamValues& p) {
  const int64_t n = p.get_int("task.n");
  const int64_t min_n = p.get_int("task.min_n") == 0 ? n : p.get_int("task.min_n");
  return std::make_unique<EditDistanceTask>(min_n, n, p.get_string("task.format"), p.get_int("task.num_range"));
}

std::vector<int64_t> EditDistanceTask::default_eval_sizes() const {
  std::vector<int64_t> sizes;
  for (int64_t n = min_n_; n <= n_; ++n) sizes.push_back(n);
  return sizes;
}

Example EditDistanceTask::sample(Rng& rng) const { return sample_at(rng, rng.uniform_int(min_n_, n_)); }

// str1 of n letters and str2 of up to n + 2: "s | t <sep>", then (cot) the dp rows, n values of
// n + 2 and a "," each, and "<sep>", then the answer and <eos>.
int64_t EditDistanceTask::longest_example() const {
  const int64_t letters = 2 * n_ + 2 + 2;  // both strings, "|" and "<sep>"
  return letters + (cot_ ? n_ * (n_ + 2) + n_ + 1 : 0) + 2;
}

Example EditDistanceTask::sample_at(Rng& rng, int64_t n) const {
  require(n >= 4 && n <= n_, "edit_distance: size " + std::to_string(n) + " is outside 4.." + std::to_string(n_) +
                                 " (task.num_range bounds the dp values for sizes up to task.n)");
  const int64_t diff = rng.uniform_int(1, n);
  const auto [s1, s2] = draw_pair(rng, n, diff);
  const size_t rows = s1.size(), cols = s2.size();
  std::vector<std::vector<int64_t>> dp(rows + 1, std::vector<int64_t>(cols + 1));
  for (size_t i = 0; i <= rows; ++i) dp[i][0] = static_cast<int64_t>(i);
  for (size_t j = 0; j <= cols; ++j) dp[0][j] = static_cast<int64_t>(j);
  for (size_t i = 1; i <= rows; ++i)
    for (size_t j = 1; j <= cols; ++j)
      dp[i][j] = std::min({dp[i - 1][j] + kDelete, dp[i][j - 1] + kInsert,
                           dp[i - 1][j - 1] + (s1[i - 1] == s2[j - 1] ? 0 : kSubstitute)});

  Example ex;
  ex.size = n;
  auto push_int = [&](int64_t k) { ex.tokens.push_back(static_cast<int32_t>(kFirstInt + k)); };
  for (auto c : s1) ex.tokens.push_back(kFirstLetter + c);
  ex.tokens.push_back(kBar);
  for (auto c : s2) ex.tokens.push_back(kFirstLetter + c);
  ex.tokens.push_back(kSep);
  ex.prompt_len = static_cast<int64_t>(ex.tokens.size());
  if (cot_) {
    for (size_t i = 1; i <= rows; ++i) {
      for (size_t j = 1; j <= cols; ++j) push_int(dp[i][j]);
      ex.tokens.push_back(kComma);
    }
    ex.tokens.push_back(kSep);
  }
  push_int(dp[rows][cols]);
  feng::finish_example(ex, kEos);
  return ex;
}

Verdict EditDistanceTask::verify(const Example& example, const std::vector<int32_t>& generated) const {
  return feng::verify(*this, example, generated, kSep, kEos);
}

std::string EditDistanceTask::describe() const {
  const std::string sizes = feng::size_range(min_n_, n_);
  return std::string("edit_distance (") + (cot_ ? "cot" : "direct") + "): |str1| = " + sizes +
         ", costs insert/delete 2, substitute 3, borders dp[i][0] = i, dp[0][j] = j" +
         (cot_ ? ", '<sep> row_1 , … , <sep> ans <eos>'" : ", '<sep> ans <eos>'");
}

}  // namespace fl
