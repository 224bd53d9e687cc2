#include "tasks/vocab.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"

namespace fl {

Vocab::Vocab(std::vector<std::string> names) : names_(std::move(names)) {
  for (size_t i = 0; i < names_.size(); ++i) ids_.emplace(names_[i], static_cast<int32_t>(i));
}

int32_t Vocab::id(const std::string& name) const {
  auto it = ids_.find(name);
  if (it == ids_.end()) {
    constexpr size_t kShown = 40;  // a dataset's vocabulary can hold a million names
    std::string known;
    for (size_t i = 0; i < std::min(kShown, names_.size()); ++i) known += (i ? " " : "") + names_[i];
    if (names_.size() > kShown) known += " … (" + std::to_string(names_.size()) + " tokens)";
    throw Error("unknown token '" + name + "' (vocabulary: " + known + ")");
  }
  return it->second;
}

const std::string& Vocab::name(int32_t id) const {
  require(id >= 0 && id < size(), "token id " + std::to_string(id) + " is outside the vocabulary of size " +
                                      std::to_string(size()));
  return names_[id];
}

std::string Vocab::render(const std::vector<int32_t>& ids) const {
  std::string out;
  // Ids beyond the task's vocabulary (a model may have a larger one) print as <id>.
  for (auto id : ids) out += (out.empty() ? "" : " ") + (id >= 0 && id < size() ? names_[id] : "<" + std::to_string(id) + ">");
  return out;
}

std::vector<int32_t> Vocab::parse(const std::string& text) const {
  std::istringstream in(text);
  std::vector<int32_t> ids;
  for (std::string word; in >> word;) ids.push_back(id(word));
  return ids;
}

}  // namespace fl
