// Number and text formatting for tables, reports and terminal output: the one home of these
// helpers. Torch-free.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace fl {

std::string fixed(double value, int decimals);        // "0.953"; "-" for negative (= not measured)
std::string human_bytes(int64_t bytes);               // "12.0 KiB"
std::string with_commas(int64_t n);                   // "1,234,567"
std::string percent(double fraction);                 // 0.953 → "95.3%"; NaN → "–" (not measured)
std::string formatted(const char* format, double value);  // formatted("%.4g", 0.0123) = "0.0123"
size_t utf8_width(const std::string& text);           // characters (code points), not bytes: for aligning columns
// A Markdown table cell: '|' escaped (also inside code spans), line breaks flattened to spaces.
std::string markdown_cell(const std::string& text);

}  // namespace fl
