// A task's vocabulary: token id ↔ printable name. Torch-free.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace fl {

class Vocab {
 public:
  explicit Vocab(std::vector<std::string> names);
  int64_t size() const { return static_cast<int64_t>(names_.size()); }
  int32_t id(const std::string& name) const;  // fl::Error "unknown token 'x'"
  const std::string& name(int32_t id) const;  // fl::Error for ids outside the vocabulary
  std::string render(const std::vector<int32_t>& ids) const;           // "a b c"; foreign ids as <id>
  std::vector<int32_t> parse(const std::string& text) const;          // whitespace-separated names
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int32_t> ids_;
};

}  // namespace fl
