#include "tasks/dataset_file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_duplicate_keys.h"
#include "core/memory_budget.h"

namespace fl {

namespace {

const std::string kPadName = "<pad>", kEosName = "<eos>";
constexpr int64_t kMaxBuiltId = 1000000;  // ids without a vocab_file: the vocabulary is 0..max_id

uint64_t fnv1a64(const std::string& bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

uint64_t splitmix64_finalizer(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The lines of `text` without their "\n" (and a "\r" before it).
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// The file's content; its fl::Error names the parameter that gave the path.
std::string read_param_file(const std::string& path, const std::string& key) {
  try {
    return read_file(path, memory_budget_bytes());
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (" + key + ")");
  }
}

// A vocabulary file: the n-th line is the name of token id n-1. Trailing blank lines are ignored.
std::vector<std::string> read_vocab_file(const std::string& path) {
  std::vector<std::string> names = split_lines(read_param_file(path, "task.vocab_file"));
  while (!names.empty() && blank(names.back())) names.pop_back();
  std::unordered_map<std::string, size_t> line_of;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string where = path + ":" + std::to_string(i + 1) + ": ";
    require(!names[i].empty(), where + "empty token name (the n-th line is token id n-1)");
    require(valid_utf8(names[i]), where + "token name is not valid UTF-8");
    require(std::none_of(names[i].begin(), names[i].end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
            where + "token name '" + names[i] + "' contains whitespace");
    auto [it, fresh] = line_of.emplace(names[i], i + 1);
    require(fresh, where + "token '" + names[i] + "' repeats line " + std::to_string(it->second));
  }
  for (const auto& special : {kPadName, kEosName})
    require(line_of.count(special), path + ": the vocabulary must contain the token '" + special + "' (task.vocab_file)");
  return names;
}

// "2.5", "a string", "an array", "null": what a JSON value is, for messages.
std::string type_of(const Json& v) {
  if (v.is_number()) return v.dump();
  if (v.is_null()) return "null";
  const std::string name = v.type_name();
  return (name[0] == 'a' || name[0] == 'o' ? "an " : "a ") + name;
}

}  // namespace

bool DatasetTask::in_eval_split(const std::string& key, double eval_fraction) {
  const uint64_t z = splitmix64_finalizer(fnv1a64(key));
  return static_cast<double>(z >> 11) * 0x1.0p-53 < eval_fraction;
}

DatasetTask::DatasetTask(const std::string& path, const std::string& vocab_file, double eval_fraction)
    : path_(path), vocab_file_(vocab_file), eval_fraction_(eval_fraction) {
  require(!path.empty(), "task.path is required: the JSONL file of {\"input\": …, \"target\": …} examples");
  require(eval_fraction > 0 && eval_fraction < 1, "task.eval_fraction = " + Json(eval_fraction).dump() +
                                                      " must be strictly between 0 and 1 (both splits need examples)");
  load(read_param_file(path, "task.path"));
}

DatasetTask::DatasetTask(const std::string& path, const std::string& vocab_file, double eval_fraction,
                         std::vector<std::string> names, std::string missing)
    : path_(path), vocab_file_(vocab_file), eval_fraction_(eval_fraction), missing_(std::move(missing)) {
  const auto find = [&](const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    require(it != names.end(), "task dataset: the recorded vocabulary lacks '" + name + "'");
    return static_cast<int32_t>(it - names.begin());
  };
  pad_ = find(kPadName), eos_ = find(kEosName);
  vocab_ = Vocab(std::move(names));
}

std::unique_ptr<Task> DatasetTask::restore(const ParamValues& p, const std::vector<std::string>& names) {
  const std::string path = p.get_string("task.path"), vocab_file = p.get_string("task.vocab_file");
  std::error_code ec;
  std::string missing;
  if (!vocab_file.empty() && !std::filesystem::exists(vocab_file, ec)) missing = vocab_file + " (task.vocab_file)";
  if (!std::filesystem::exists(path, ec)) missing = path + " (task.path)";
  if (missing.empty()) return create(p);
  return std::unique_ptr<Task>(new DatasetTask(path, vocab_file, p.get_float("task.eval_fraction"), names, missing));
}

void DatasetTask::require_examples() const {
  require(missing_.empty(), missing_ + ": no such file; the checkpoint keeps only the dataset's vocabulary, "
                                       "enough for info and generate, but examples (eval, train) need the file");
}

std::vector<ParamSpec> DatasetTask::specs() {
  return {
      {"task.path", Kind::String, Json(), "JSONL file, one {\"input\": …, \"target\": …} per line (token names or ids); "
       "relative to the working directory, saved as an absolute path", {}, {}, {}, true},
      {"task.vocab_file", Kind::String, "",
       "token names, one per line (line n = id n-1; must hold <pad> and <eos>); \"\" = built from task.path",
       {}, {}, {}, true},
      {"task.eval_fraction", Kind::Float, 0.1, "share of distinct examples held out for evaluation (by content hash)",
       0.0, 1.0},
  };
}

std::unique_ptr<Task> DatasetTask::create(const ParamValues& p) {
  return std::make_unique<DatasetTask>(p.get_string("task.path"), p.get_string("task.vocab_file"),
                                       p.get_float("task.eval_fraction"));
}

void DatasetTask::load(const std::string& text) {
  const bool given = !vocab_file_.empty();
  std::vector<std::string> names = given ? read_vocab_file(vocab_file_) : std::vector<std::string>{kPadName, kEosName};
  std::unordered_map<std::string, int32_t> ids;
  for (size_t i = 0; i < names.size(); ++i) ids.emplace(names[i], static_cast<int32_t>(i));
  pad_ = ids.at(kPadName), eos_ = ids.at(kEosName);

  enum class Form { Unknown, Names, Ids } form = Form::Unknown;
  auto form_text = [](Form f) { return f == Form::Names ? "token names as a string" : "an array of token ids"; };
  int64_t form_line = 0, max_id = -1;
  std::vector<Item> items;
  std::set<std::pair<std::vector<int32_t>, std::vector<int32_t>>> seen;
  const std::vector<std::string> lines = split_lines(text);
  for (size_t n = 0; n < lines.size(); ++n) {
    if (blank(lines[n])) continue;
    const int64_t line_no = static_cast<int64_t>(n) + 1;
    const std::string where = path_ + ":" + std::to_string(line_no) + ": ";
    Json doc;
    try {
      doc = parse_json_without_duplicate_keys(lines[n], where);
    } catch (const Json::parse_error& e) {
      throw Error(where + "not valid JSON (at byte " + std::to_string(e.byte) + ")");
    } catch (const Json::exception&) {  // out_of_range: a number too large for a double
      throw Error(where + "not valid JSON (a number out of range)");
    }
    require(doc.is_object(), where + "expected a JSON object {\"input\": …, \"target\": …}, got " + type_of(doc));
    Item item;
    for (const std::string field : {"input", "target"}) {
      const std::string what = where + "\"" + field + "\"";
      require(doc.contains(field), where + "missing \"" + field + "\"");
      const Json& value = doc[field];
      require(value.is_string() || value.is_array(),
              what + " must be token names as a string or an array of token ids, got " + type_of(value));
      const Form f = value.is_string() ? Form::Names : Form::Ids;
      if (form == Form::Unknown) form = f, form_line = line_no;
      require(f == form, what + " is " + form_text(f) + ", but line " + std::to_string(form_line) + " gave " +
                             form_text(form) + ": use one form per file");
      std::vector<int32_t>& out = field == "input" ? item.input : item.target;
      // Per-token checks build their messages only on failure: files can be large.
      if (f == Form::Names) {
        std::istringstream words(value.get<std::string>());
        for (std::string w; words >> w;) {
          if (w == kPadName || w == kEosName) throw Error(what + " contains the reserved token '" + w + "'");
          auto it = ids.find(w);
          if (it == ids.end()) {
            if (given) throw Error(where + "unknown token '" + w + "' in \"" + field + "\" (not in " + vocab_file_ + ")");
            it = ids.emplace(w, static_cast<int32_t>(names.size())).first;
            names.push_back(w);
          }
          out.push_back(it->second);
        }
      } else {
        const int64_t limit = given ? static_cast<int64_t>(names.size()) : kMaxBuiltId;
        for (size_t k = 0; k < value.size(); ++k) {
          const Json& e = value[k];
          auto element = [&] { return what + "[" + std::to_string(k) + "]"; };
          if (!e.is_number_integer()) throw Error(element() + " must be an integer token id, got " + type_of(e));
          if (!e.is_number_unsigned() || e.get<uint64_t>() >= static_cast<uint64_t>(limit))
            throw Error(element() + " = " + e.dump() + " is outside " +
                        (given ? "the vocabulary [0, " + std::to_string(limit) + ") of " + vocab_file_
                               : "[0, " + std::to_string(limit) + ") (ids without task.vocab_file)"));
          const auto id = static_cast<int32_t>(e.get<uint64_t>());
          if (given && (id == pad_ || id == eos_))
            throw Error(element() + " = " + std::to_string(id) + " is the reserved token '" + names[id] + "'");
          max_id = std::max<int64_t>(max_id, id);
          out.push_back(id);
        }
      }
      require(!out.empty(), what + " is empty" +
                                (field == "input" ? " (generation needs at least one prompt token)" : ""));
    }
    if (seen.emplace(item.input, item.target).second) items.push_back(std::move(item));
  }
  require(!items.empty(), path_ + ": no examples (the file is empty or has only blank lines)");

  if (!given && form == Form::Ids) {  // names "0" … "max_id", then the specials
    names.clear();
    for (int64_t id = 0; id <= max_id; ++id) names.push_back(std::to_string(id));
    pad_ = static_cast<int32_t>(max_id + 1), eos_ = static_cast<int32_t>(max_id + 2);
    names.push_back(kPadName), names.push_back(kEosName);
  }
  vocab_ = Vocab(std::move(names));

  for (auto& item : items) {
    const std::string key = vocab_.render(item.input) + " " + vocab_.render(item.target);
    (in_eval_split(key, eval_fraction_) ? eval_ : train_).push_back(std::move(item));
  }
  const std::string all = "all " + std::to_string(items.size()) + " distinct examples of " + path_ + " fell in the ";
  const std::string fraction = " split at task.eval_fraction = " + Json(eval_fraction_).dump() +
                               " (the split is by content hash): too few lines; add lines or ";
  require(!eval_.empty(), all + "training" + fraction + "raise task.eval_fraction");
  require(!train_.empty(), all + "evaluation" + fraction + "lower task.eval_fraction");
  for (size_t i = 0; i < eval_.size(); ++i) eval_by_len_[static_cast<int64_t>(eval_[i].target.size())].push_back(i);
}

std::vector<int64_t> DatasetTask::default_eval_sizes() const {
  require_examples();
  std::vector<int64_t> sizes;
  for (const auto& [len, indices] : eval_by_len_) sizes.push_back(len);
  return sizes;
}

Example DatasetTask::make(const Item& item) const {
  Example ex;
  ex.tokens = item.input;
  ex.tokens.insert(ex.tokens.end(), item.target.begin(), item.target.end());
  ex.tokens.push_back(eos_);
  ex.prompt_len = static_cast<int64_t>(item.input.size());
  ex.size = static_cast<int64_t>(item.target.size());
  ex.loss_mask.assign(ex.tokens.size(), 0);
  ex.answer_mask.assign(ex.tokens.size(), 0);
  for (size_t t = item.input.size(); t < ex.tokens.size(); ++t) ex.loss_mask[t] = 1;
  for (size_t t = item.input.size(); t + 1 < ex.tokens.size(); ++t) ex.answer_mask[t] = 1;  // not the <eos>
  return ex;
}

Example DatasetTask::sample(Rng& rng) const {
  require_examples();
  return make(train_[rng.uniform_int(0, static_cast<int64_t>(train_.size()) - 1)]);
}

// input, target and <eos> of the longest line of the training split.
int64_t DatasetTask::longest_example() const {
  size_t longest = 0;
  for (const auto& item : train_) longest = std::max(longest, item.input.size() + item.target.size() + 1);
  return static_cast<int64_t>(longest);
}

Example DatasetTask::sample_at(Rng& rng, int64_t target_len) const {
  require_examples();
  auto it = eval_by_len_.find(target_len);
  if (it == eval_by_len_.end()) {
    std::string known;
    for (const auto& [len, indices] : eval_by_len_) known += (known.empty() ? "" : ", ") + std::to_string(len);
    throw Error("task dataset (" + path_ + "): no evaluation example has a target of " + std::to_string(target_len) +
                " tokens (evaluation target lengths: " + known + ")");
  }
  const auto& indices = it->second;
  return make(eval_[indices[rng.uniform_int(0, static_cast<int64_t>(indices.size()) - 1)]]);
}

Verdict DatasetTask::verify(const Example& example, const std::vector<int32_t>& generated) const {
  // Right iff the output is exactly the target followed by <eos>; the target is the answer.
  const bool right = generated == expected_output(example);
  return {right, right};
}

std::string DatasetTask::describe() const {
  if (!missing_.empty())
    return "dataset (not found: " + missing_ + "; only the vocabulary the checkpoint recorded, " +
           std::to_string(vocab_.size()) + " tokens); input, target, <eos>; loss on the target and <eos>";
  return "dataset: " + path_ + ", " + std::to_string(train_.size()) + " training + " + std::to_string(eval_.size()) +
         " evaluation examples, " + std::to_string(vocab_.size()) + " tokens (" +
         (vocab_file_.empty() ? "built from the file" : "from " + vocab_file_) +
         "); input, target, <eos>; loss on the target and <eos>";
}

}  // namespace fl
