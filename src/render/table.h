// Plain-text tables with aligned columns, for terminal output. Torch-free.
#pragma once
#include <string>
#include <vector>

#include "render/text.h"

namespace fl {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render() const;           // header, rule, rows; numbers right-aligned
  std::string render_markdown() const;  // a GitHub-flavoured Markdown table, numbers right-aligned

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace fl
